/* Material's search worker protocol, answered from Pagefind (see search.py).
 *
 * Material's bundle sends SETUP with search/search_index.json (settings only: no documents) and waits for
 * READY, then sends QUERY with the text of the search box and renders each RESULT: documents grouped by page,
 * a page first and its sections after it, as Material's own worker groups them. Pagefind, loaded at the first
 * query, fetches only the index chunks the query needs and one fragment per result shown. */

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3

/* Material renders every result it is given, so only the best ones are fetched (one fragment each). */
const LIMIT = 100

const base = new URL("../../../", self.location.href)
let settings = { fields: {}, separator: "[\\s\\-]+" }
let suggest = false
let pagefind = null
let latest = 0

function load() {
  if (!pagefind)
    pagefind = import(new URL("pagefind/pagefind.js", base).href).then(async module => {
      const boost = name => (settings.fields[name] || {}).boost
      const metaWeights = {}
      if (boost("title") !== undefined) metaWeights.title = boost("title")
      if (boost("tags") !== undefined) metaWeights.tags = boost("tags")
      await module.options({ basePath: new URL("pagefind/", base).pathname, excerptLength: 30,
                             ranking: { metaWeights } })
      return module
    })
  return pagefind
}

const escapeHTML = text => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

/* Words of the text that start with a query term, marked as Material marks them. */
function highlight(text, terms) {
  const html = escapeHTML(text)
  if (!terms.length) return html
  const pattern = terms.map(t => escapeHTML(t).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")
  return html.replace(new RegExp(`(^|[^\\p{L}\\p{N}])((?:${pattern})[\\p{L}\\p{N}]*)`, "giu"), "$1<mark>$2</mark>")
}

function words(text) {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)
}

async function search(query) {
  const terms = words(query)
  if (!terms.length) {
    load()  // the reader is about to type: fetch Pagefind meanwhile
    return { items: [] }
  }
  /* Each word on its own, as lunr finds pages with any of them (Pagefind, only with all): a page's score is
     the sum of its words' scores, so that pages with every word come first. */
  const module = await load()
  const scores = new Map()
  for (const found of await Promise.all(terms.map(term => module.search(term))))
    for (const result of found.results) {
      const [score, , data] = scores.get(result.id) || [0, 0, result.data]
      scores.set(result.id, [score + result.score, result.id, data])
    }
  const best = [...scores.values()].sort((a, b) => b[0] - a[0]).slice(0, LIMIT)
  const data = await Promise.all(best.map(([, , load]) => load()))
  const groups = new Map()
  for (const [i, doc] of data.entries()) {
    const location = doc.filters.location[0]
    const [path] = location.split("#")
    const tags = doc.meta.tags ? doc.meta.tags.split("\n") : undefined
    const seen = new Set([...words(doc.meta.title || ""), ...words(doc.content), ...words(doc.meta.tags || "")])
    const matched = {}
    for (const term of terms)
      matched[term] = [...seen].some(word => word.startsWith(term))
    const item = {
      location, title: highlight(doc.meta.title || "", terms), text: doc.excerpt, score: best[i][0],
      terms: matched, ...tags && { tags: tags.map(tag => highlight(tag, terms)) }
    }
    if (!groups.has(path))
      groups.set(path, { items: [], article: doc.filters.article?.[0] })
    groups.get(path).items.push(item)
  }
  /* Every group has its page: a section found alone is shown under its page's title. */
  const items = [...groups].map(([path, group]) => {
    if (!group.items.some(item => item.location === path))
      group.items.push({ location: path, title: escapeHTML(group.article || path), text: "", score: 0, terms: {} })
    return group.items
  })
  const result = { items }
  if (suggest) {
    const title = words(data[0]?.meta.title || "")
    const completions = terms.map(term => title.find(word => word.startsWith(term)))
    result.suggest = completions.every(Boolean) ? completions : []
  }
  return result
}

addEventListener("message", async ({ data: message }) => {
  switch (message.type) {
    case SETUP:
      settings = { ...settings, ...message.data.config }
      suggest = !!(message.data.options && message.data.options.suggest)
      postMessage({ type: READY })
      break
    case QUERY: {
      const ticket = ++latest
      let result
      try {
        result = await search(message.data)
      } catch (err) {
        console.warn(`Search failed: ${message.data}`, err)
        result = { items: [] }
      }
      if (ticket === latest)  // an answer to an older query, arriving late, would replace the newer one's
        postMessage({ type: RESULT, data: result })
      break
    }
  }
})
