package replies

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/rsvpd/rsvpd/campaign"
)

// htmlToText turns an HTML body into plain text for reading. The HTML structure says more
// about quoting than the text does, so quotes are dropped here: a <blockquote> is skipped
// (text after it, interleaved answers, is kept), and at the markers mail clients put before a
// quoted message (Gmail's gmail_quote, Outlook's divRplyFwdMsg and OLK_SRC_BODY_SECTION,
// Thunderbird's moz-cite-prefix, Yahoo's yahoo_quoted) the rest of the document is dropped.
// A horizontal rule becomes a line of underscores, as Outlook's plain text writes it, so the
// text rules recognise the header block after it.
func htmlToText(src string) string {
	text, _ := readHTML(src)
	return text
}

// readHTML is htmlToText that says why an HTML body could not be read: more tags than
// maxHTMLTags, or elements nested deeper than x/net/html parses (512). Its text is then "".
func readHTML(src string) (string, error) {
	if htmlTooComplex(src) {
		return "", complexity(campaign.NoteHTMLTooLarge, maxHTMLTags, fmt.Sprintf("an HTML body of more than %d tags", maxHTMLTags))
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", complexity(campaign.NoteHTMLTooDeep, 512, "an HTML body nested deeper than 512 elements")
	}
	w := &htmlWriter{}
	w.walk(doc)
	return w.String(), nil
}

type htmlWriter struct {
	b       strings.Builder
	stop    bool // a quote marker was met: nothing after it is the reply
	pre     int  // depth inside <pre>
	pending int  // newlines owed before the next text
	started bool
	space   bool // a space is owed before the next word
}

func (w *htmlWriter) String() string { return w.b.String() }

// newline asks for n line breaks (at most) before the next text.
func (w *htmlWriter) newline(n int) {
	if n > w.pending {
		w.pending = n
	}
	w.space = false
}

func (w *htmlWriter) text(s string) {
	if w.pre == 0 {
		collapsed := strings.Join(strings.Fields(s), " ")
		if collapsed == "" {
			if s != "" {
				w.space = true
			}
			return
		}
		lead := s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r'
		trail := strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\t")
		w.flush(lead)
		w.b.WriteString(collapsed)
		w.space = trail
		return
	}
	w.flush(false)
	w.b.WriteString(s)
}

func (w *htmlWriter) flush(space bool) {
	if w.started && w.pending > 0 {
		w.b.WriteString(strings.Repeat("\n", w.pending))
	} else if w.started && (space || w.space) {
		w.b.WriteByte(' ')
	}
	w.pending = 0
	w.space = false
	w.started = true
}

// quoteMarker says whether an element starts the quoted earlier message.
func quoteMarker(n *html.Node) bool {
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "id":
			switch strings.ToLower(a.Val) {
			case "divrplyfwdmsg", "olk_src_body_section", "mail-editor-reference-message-container":
				return true
			}
		case "class":
			for _, c := range strings.Fields(strings.ToLower(a.Val)) {
				switch c {
				case "gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix",
					"aolreplyheader", "mailru-quote", "protonmail_quote", "zmail_extra":
					return true
				}
			}
		}
	}
	return false
}

func (w *htmlWriter) walk(n *html.Node) {
	if w.stop {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Head, atom.Style, atom.Script, atom.Title, atom.Template:
			return
		case atom.Blockquote:
			// Quoted text; Gmail and Apple Mail put the quote header just before it.
			w.newline(2)
			return
		case atom.Br:
			// Each <br> ends a line; a second one in a row leaves an empty line.
			w.pending++
			w.space = false
			return
		case atom.Hr:
			w.newline(1)
			w.flush(false)
			w.b.WriteString("________________________________")
			w.newline(1)
			return
		case atom.Img:
			return
		}
		if quoteMarker(n) {
			w.stop = true
			return
		}
	}
	block := n.Type == html.ElementNode && htmlBlock(n.DataAtom)
	if n.DataAtom == atom.Pre {
		w.pre++
	}
	if block {
		w.newline(htmlGap(n.DataAtom))
	}
	if n.DataAtom == atom.Li {
		w.flush(false)
		w.b.WriteString("- ")
	}
	if (n.DataAtom == atom.Td || n.DataAtom == atom.Th) && cellBefore(n) {
		// a row's cells apart, as a table pasted into a plain text mail keeps them: "Thomas
		// Brix<TAB>Bibliotekschef", not "Thomas BrixBibliotekschef"
		w.flush(false)
		w.b.WriteByte('\t')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
	if block {
		w.newline(htmlGap(n.DataAtom))
	}
	if n.DataAtom == atom.Pre {
		w.pre--
	}
}

// cellBefore says whether a table cell has a cell before it in its row.
func cellBefore(n *html.Node) bool {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode && (p.DataAtom == atom.Td || p.DataAtom == atom.Th) {
			return true
		}
	}
	return false
}

// htmlGap is the number of line breaks around a block: a paragraph is set off by an empty
// line, other blocks by a line break.
func htmlGap(a atom.Atom) int {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol:
		return 2
	}
	return 1
}

func htmlBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table,
		atom.Tr, atom.Ul, atom.Ol, atom.Li, atom.Pre, atom.Section, atom.Article, atom.Header,
		atom.Footer, atom.Dl, atom.Dt, atom.Dd, atom.Address, atom.Center, atom.Body, atom.Html,
		atom.Form, atom.Fieldset, atom.Main, atom.Aside, atom.Nav, atom.Figure:
		return true
	}
	return false
}
