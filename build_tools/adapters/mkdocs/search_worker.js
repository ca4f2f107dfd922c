/* Material's search worker protocol, answered from Pagefind (see search.py).
 *
 * Material's bundle sends SETUP with search/search_index.json (settings only: no documents) and waits for
 * READY, then sends QUERY with the text of the search box and renders each RESULT: documents grouped by page,
 * a page first and its sections after it, as Material's own worker groups them. Pagefind, loaded at the first
 * query, fetches only the index chunks the query needs and one fragment per result shown. */

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3

/* Material renders every result it is given, so only the best ones are fetched (one fragment each): the first
   settings.first at once, up to settings.limit after them (search.py sets both). */
const counts = new BroadcastChannel("evidence-search-counts")

const base = new URL("../../../", self.location.href)
let settings = { fields: {}, separator: "[\\s\\-]+" }
let suggest = false
let pagefind = null
let latest = 0

function load() {
  if (!pagefind)
    pagefind = import(new URL(`${(settings.indexes || ["pagefind"])[0]}/pagefind.js`, base).href).then(async module => {
      const boost = name => (settings.fields[name] || {}).boost
      const metaWeights = {}
      if (boost("title") !== undefined) metaWeights.title = boost("title")
      if (boost("tags") !== undefined) metaWeights.tags = boost("tags")
      const [first, ...others] = settings.indexes || ["pagefind"]
      await module.options({ basePath: new URL(`${first}/`, base).pathname, excerptLength: 30,
                             ranking: { metaWeights } })
      /* A large site is indexed in batches (search.py): each is an index of its own, searched with the first. */
      for (const folder of others)
        await module.mergeIndex(new URL(`${folder}/`, base).pathname, { ranking: { metaWeights } })
      return module
    })
  return pagefind
}

const escapeHTML = text => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

/* Words of the text that start with a query term, marked as Material marks them: the text is marked first and
   escaped piece by piece, so that a query never matches inside an entity, and record text is never markup. */
function highlight(text, terms) {
  if (!terms.length) return escapeHTML(text)
  const pattern = terms.map(t => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")
  const word = new RegExp(`(^|[^\\p{L}\\p{N}])((?:${pattern})[\\p{L}\\p{N}]*)`, "giu")
  let html = "", last = 0
  for (const match of text.matchAll(word)) {
    const start = match.index + match[1].length
    html += escapeHTML(text.slice(last, start)) + `<mark>${escapeHTML(match[2])}</mark>`
    last = start + match[2].length
  }
  return html + escapeHTML(text.slice(last))
}

/* Pagefind's excerpt is the page's text with "<" and ">" escaped (nothing else: not "&", not quotes) and <mark>
   around the words found: its escapes undone and the text escaped whole here, its marks kept. */
function excerpt(text) {
  return text.split(/(<\/?mark>)/).map(part => /^<\/?mark>$/.test(part) ? part
    : escapeHTML(part.replace(/&lt;/g, "<").replace(/&gt;/g, ">"))).join("")
}

function words(text) {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)
}

/* The pages matching a query, best first, each with its score and a function that fetches its fragment. */
async function rank(query) {
  const terms = words(query)
  if (!terms.length) {
    load()  // the reader is about to type: fetch Pagefind meanwhile
    return { terms, ranked: [] }
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
  return { terms, ranked: [...scores.values()].sort((a, b) => b[0] - a[0]) }
}

/* Material's RESULT for the best pages, whose fragments are given in the same order. */
function present(terms, best, data) {
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
      location, title: highlight(doc.meta.title || "", terms), text: excerpt(doc.excerpt), score: best[i][0],
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
      /* The best pages are shown as soon as their fragments arrive; the rest, up to the limit, follow in a
         second answer, which Material renders in place of the first. An answer to an older query, arriving
         late, would replace the newer one's: it is dropped. */
      const ticket = ++latest
      try {
        const { terms, ranked } = await rank(message.data)
        const { first = 20, limit = 100 } = settings
        const best = ranked.slice(0, limit)
        const data = await Promise.all(best.slice(0, first).map(([, , load]) => load()))
        if (ticket !== latest) break
        let result = present(terms, best.slice(0, first), data)
        postMessage({ type: RESULT, data: result })
        if (best.length > first) {
          data.push(...await Promise.all(best.slice(first).map(([, , load]) => load())))
          if (ticket !== latest) break
          result = present(terms, best, data)
          postMessage({ type: RESULT, data: result })
        }
        /* Material counts the pages it is given: the page is told how many matched in all (search_count.js). */
        if (ranked.length > best.length)  /* only then is Material's count (of pages listed) short */
          counts.postMessage({ query: message.data, total: ranked.length, listed: result.items.length })
      } catch (err) {
        console.warn(`Search failed: ${message.data}`, err)
        if (ticket === latest) postMessage({ type: RESULT, data: { items: [] } })
      }
      break
    }
  }
})
