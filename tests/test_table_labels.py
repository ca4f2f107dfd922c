"""Every body cell of a table with a header row is labelled with its column's name, for the phone's cards."""

from __future__ import annotations

import markdown

from build_tools.site.table_labels import label_cells

TABLE = """<table>
<thead>
<tr><th>Claim</th><th>Certainty <span class="ev-sr">(how sure)</span></th><th>Studies &amp; sources</th></tr>
</thead>
<tbody>
<tr class="ev-group"><th colspan="3" scope="colgroup">A theme</th></tr>
<tr><td><a href="x/">Boards <em>may</em> act</a></td><td data-label="Kept">low</td><td>1 study</td></tr>
</tbody>
</table>"""


def test_body_cells_get_their_columns_name_and_a_cell_spanning_columns_gets_none():
    out = label_cells(TABLE)
    assert '<td data-label="Claim"><a href="x/">Boards <em>may</em> act</a></td>' in out
    assert '<td data-label="Kept">low</td>' in out  # a label the template wrote stays
    assert '<td data-label="Studies &amp; sources">1 study</td>' in out
    assert '<th colspan="3" scope="colgroup">A theme</th>' in out
    assert out.count("data-label") == 3
    assert label_cells(TABLE.replace("<td><a", '<th scope="row"><a').replace("act</a></td>", "act</a></th>")).count(
        '<th scope="row"><a href="x/">') == 1  # a row's header cell titles the card: no label


def test_the_label_is_what_the_header_shows_without_screen_reader_text():
    assert 'data-label="Certainty"' in label_cells(TABLE.replace('data-label="Kept"', ""))


def test_tables_without_a_header_row_and_text_without_tables_are_left_alone():
    plain = "<table><tr><td>a</td></tr></table><p>text</p>"
    assert label_cells(plain) == plain
    assert label_cells("<p>no table</p>") == "<p>no table</p>"


def test_hand_written_markdown_tables_are_labelled_by_the_extension():
    html = markdown.markdown("| Document | Published |\n| --- | --- |\n| A report | 2013 |\n",
                             extensions=["tables", "build_tools.site.table_labels"])
    assert '<td data-label="Document">A report</td>' in html and '<td data-label="Published">2013</td>' in html


def test_a_quoted_attribute_value_may_hold_a_closing_bracket():
    table = ('<table><thead><tr><th title="a > b">A</th><th>B</th></tr></thead>'
             '<tbody><tr><td title="x>y">1</td><TD>2</TD></tr></tbody></table>')
    out = label_cells(table)
    assert '<td title="x>y" data-label="A">1</td>' in out and '<TD data-label="B">2</TD>' in out


def test_tables_with_cells_spanning_rows_or_tables_inside_are_left_as_they_are():
    spanning = ('<table><thead><tr><th>A</th><th>B</th></tr></thead>'
                '<tbody><tr><td rowspan="2">1</td><td>2</td></tr><tr><td>3</td></tr></tbody></table>')
    assert label_cells(spanning) == spanning
    nested = ('<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>'
              '<table><thead><tr><th>Inner</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>'
              '</td></tr></tbody></table>')
    assert 'data-label="A"' not in label_cells(nested)
