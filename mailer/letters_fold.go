package mailer

import (
	"fmt"
	"strings"
	"text/template/parse"
)

// Folding: most of a letter is the same for every invitee (the meetings, the agenda, the
// contact, the HTML frame), yet executing it is most of the time a letter takes. After the
// trial render, each body template's parts whose output depends on the campaign alone are
// executed once and replaced by their text. Whether a part depends on the campaign alone is
// read from the template itself, so an override that writes the director's name into the
// contact block is simply not folded:
//
//   - data is reached only through .Campaign (or AgreementBeforeMeetings, worked out from the
//     campaign) of the letter, through values derived from those (a range over the meetings,
//     a variable set from them), or through constants;
//   - every function is pure (all of rsvpd's are; call, which calls a value from the data, is
//     taken as personal);
//   - a {{template}} call qualifies when its argument does and the called template, read the
//     same way with that argument, does too.
//
// Only parts that run at most once per letter are folded (at the top of the body, or in the
// branches of an {{if}}), and each is cut from one execution of the letter on sample data,
// between markers, so that html/template's escaping is what it would be in place.

// taint is how far a value depends on the letter's personal data.
type taint int

const (
	tPure     taint = iota // the campaign's, or a constant
	tView                  // the letter's whole view: its fields decide
	tPersonal              // may differ between letters
)

// campaignFields are the view's fields that depend on the campaign alone.
var campaignFields = map[string]bool{"Campaign": true, "AgreementBeforeMeetings": true}

// foldScope is the analysis' state inside one template: what dot and $ are, and variables.
type foldScope struct {
	dot  taint
	vars []map[string]taint
	// personal counts the enclosing branches taken on personal data: a variable assigned in
	// one holds a value that depends on whether the branch ran.
	personal int
}

func (s *foldScope) push()                        { s.vars = append(s.vars, map[string]taint{}) }
func (s *foldScope) pop()                         { s.vars = s.vars[:len(s.vars)-1] }
func (s *foldScope) declare(name string, t taint) { s.vars[len(s.vars)-1][name] = t }
func (s *foldScope) lookup(name string) taint {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if t, ok := s.vars[i][name]; ok {
			return t
		}
	}
	return tPersonal // unknown: be safe
}

func (s *foldScope) assign(name string, t taint) {
	if s.personal > 0 {
		t = tPersonal
	}
	for i := len(s.vars) - 1; i >= 0; i-- {
		if old, ok := s.vars[i][name]; ok {
			s.vars[i][name] = max(old, t)
			return
		}
	}
}

// foldAnalyzer reads templates of one namespace; lookup finds a called template's tree.
type foldAnalyzer struct {
	lookup   func(name string) *parse.Tree
	visiting map[string]bool
}

// fields is the taint of a value of taint base with the fields idents read from it.
func fields(base taint, idents []string) taint {
	if base != tView || len(idents) == 0 {
		return base
	}
	if campaignFields[idents[0]] {
		return tPure
	}
	return tPersonal
}

func (a *foldAnalyzer) arg(s *foldScope, n parse.Node) taint {
	switch n := n.(type) {
	case *parse.DotNode:
		return s.dot
	case *parse.FieldNode:
		return fields(s.dot, n.Ident)
	case *parse.VariableNode:
		return fields(s.lookup(n.Ident[0]), n.Ident[1:])
	case *parse.ChainNode:
		return fields(a.arg(s, n.Node), n.Field)
	case *parse.PipeNode:
		return a.pipe(s, n)
	case *parse.IdentifierNode:
		if n.Ident == "call" {
			return tPersonal
		}
		return tPure
	case *parse.BoolNode, *parse.NumberNode, *parse.StringNode, *parse.NilNode:
		return tPure
	}
	return tPersonal
}

// command is the taint of one command's result; prev is the taint of what a pipeline passes
// into it (tPure for the first command).
func (a *foldAnalyzer) command(s *foldScope, c *parse.CommandNode, prev taint) taint {
	if len(c.Args) == 1 && prev == tPure {
		return a.arg(s, c.Args[0]) // a value on its own: the view itself may pass
	}
	t := prev
	for _, n := range c.Args {
		t = max(t, a.arg(s, n))
	}
	if t == tView { // the whole view handed to a function or method: it may read anything
		return tPersonal
	}
	return t
}

func (a *foldAnalyzer) pipe(s *foldScope, p *parse.PipeNode) taint {
	if p == nil {
		return tPure
	}
	t := tPure
	for _, c := range p.Cmds {
		t = a.command(s, c, t) // a command's result is the next one's last argument
	}
	for _, v := range p.Decl {
		if p.IsAssign {
			s.assign(v.Ident[0], t)
		} else {
			s.declare(v.Ident[0], t)
		}
	}
	return t
}

// pure reports whether node writes the same text for every letter of the campaign.
func (a *foldAnalyzer) pure(s *foldScope, node parse.Node) bool {
	switch n := node.(type) {
	case nil:
		return true
	case *parse.ListNode:
		if n == nil {
			return true
		}
		ok := true
		for _, c := range n.Nodes {
			// On to the end even after a personal node: a later assignment must be seen.
			ok = a.pure(s, c) && ok
		}
		return ok
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		return true
	case *parse.ActionNode:
		t := a.pipe(s, n.Pipe)
		return len(n.Pipe.Decl) > 0 || t == tPure // a declaration writes nothing
	case *parse.IfNode:
		return a.branch(s, &n.BranchNode, false)
	case *parse.RangeNode:
		return a.branch(s, &n.BranchNode, true)
	case *parse.WithNode:
		return a.branch(s, &n.BranchNode, true)
	case *parse.TemplateNode:
		return a.template(n.Name, a.pipe(s, n.Pipe))
	}
	return false
}

// branch reads an if, range or with; newDot says the pipeline's value becomes dot. The
// branches are read even when the pipeline is personal, for the variables they assign.
func (a *foldAnalyzer) branch(s *foldScope, b *parse.BranchNode, newDot bool) bool {
	s.push()
	defer s.pop()
	t := a.pipe(s, b.Pipe)
	personal := t == tPersonal || (t == tView && !newDot)
	if personal {
		s.personal++
		defer func() { s.personal-- }()
	}
	saved := s.dot
	if newDot {
		s.dot = t
	}
	ok := a.pure(s, b.List)
	s.dot = saved // the else branch runs with the outer dot
	ok = a.pure(s, b.ElseList) && ok
	return ok && !personal
}

// template reads a called template with an argument of taint t.
func (a *foldAnalyzer) template(name string, t taint) bool {
	if t == tPersonal {
		return false
	}
	name, _, _ = strings.Cut(name, "$htmltemplate") // html/template's copy for a context
	key := fmt.Sprintf("%s/%d", name, t)
	if a.visiting[key] {
		return true // a recursive call: it is pure if the rest of the template is
	}
	tree := a.lookup(name)
	if tree == nil {
		return false
	}
	a.visiting[key] = true
	defer delete(a.visiting, key)
	s := &foldScope{dot: t}
	s.push()
	s.declare("$", t)
	return a.pure(s, tree.Root)
}

// foldMarker brackets a candidate's output in the sample execution; no letter contains NUL.
func foldMarker(i int, end bool) string {
	if end {
		return fmt.Sprintf("\x00/fold%d\x00", i)
	}
	return fmt.Sprintf("\x00fold%d\x00", i)
}

// foldTree replaces the parts of the body tree that write the same text for every letter by
// that text. execute runs the whole body once on sample data. It returns how many parts were
// folded.
func foldTree(tree *parse.Tree, lookup func(string) *parse.Tree, execute func() (string, error)) (int, error) {
	a := &foldAnalyzer{lookup: lookup, visiting: map[string]bool{}}
	s := &foldScope{dot: tView}
	s.push()
	s.declare("$", tView)
	type candidate struct {
		list  *parse.ListNode
		node  parse.Node
		start *parse.TextNode
		end   *parse.TextNode
	}
	var cands []candidate
	var walk func(list *parse.ListNode)
	walk = func(list *parse.ListNode) {
		if list == nil {
			return
		}
		for _, n := range list.Nodes {
			switch n := n.(type) {
			case *parse.TextNode, *parse.CommentNode:
				continue
			case *parse.ActionNode:
				if len(n.Pipe.Decl) > 0 {
					a.pipe(s, n.Pipe) // writes nothing; its variable is recorded
					continue
				}
			}
			if a.pure(s, n) && !assigns(n) {
				cands = append(cands, candidate{list: list, node: n})
				continue
			}
			if n, ok := n.(*parse.IfNode); ok {
				// Its branches run at most once: look for parts inside.
				s.push()
				cond := a.pipe(s, n.Pipe)
				if cond != tPure {
					s.personal++
				}
				walk(n.List)
				walk(n.ElseList)
				if cond != tPure {
					s.personal--
				}
				s.pop()
			}
		}
	}
	walk(tree.Root)
	if len(cands) == 0 {
		return 0, nil
	}
	// Bracket every candidate with markers, run the body once, and cut the outputs.
	for i := range cands {
		c := &cands[i]
		c.start = &parse.TextNode{NodeType: parse.NodeText, Text: []byte(foldMarker(i, false))}
		c.end = &parse.TextNode{NodeType: parse.NodeText, Text: []byte(foldMarker(i, true))}
		c.list.Nodes = insertAround(c.list.Nodes, c.node, c.start, c.end)
	}
	out, err := execute()
	folded := 0
	for i, c := range cands {
		text, found := "", false
		if err == nil {
			text, found = between(out, foldMarker(i, false), foldMarker(i, true))
		}
		if !found || strings.Contains(text, "\x00") {
			// Not reached on the sample (inside a personal {{if}}), or the run failed: the
			// part stays as it was.
			c.list.Nodes = removeNodes(c.list.Nodes, c.start, c.end)
			continue
		}
		repl := &parse.TextNode{NodeType: parse.NodeText, Pos: c.node.Position(), Text: []byte(text)}
		c.list.Nodes = replaceRun(c.list.Nodes, c.start, c.end, repl)
		folded++
	}
	mergeText(tree.Root)
	return folded, err
}

// assigns reports whether an {{if}}, {{range}} or {{with}} sets a variable ({{$x = ...}}):
// replaced by its text, it would no longer set it for what follows.
func assigns(node parse.Node) bool {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if assigns(c) {
				return true
			}
		}
	case *parse.ActionNode:
		return n.Pipe != nil && n.Pipe.IsAssign
	case *parse.IfNode:
		return n.Pipe.IsAssign || assigns(n.List) || assigns(n.ElseList)
	case *parse.RangeNode:
		return n.Pipe.IsAssign || assigns(n.List) || assigns(n.ElseList)
	case *parse.WithNode:
		return n.Pipe.IsAssign || assigns(n.List) || assigns(n.ElseList)
	}
	return false
}

func insertAround(nodes []parse.Node, n, before, after parse.Node) []parse.Node {
	for i, x := range nodes {
		if x == n {
			out := append([]parse.Node{}, nodes[:i]...)
			out = append(out, before, n, after)
			return append(out, nodes[i+1:]...)
		}
	}
	return nodes
}

func removeNodes(nodes []parse.Node, drop ...parse.Node) []parse.Node {
	out := nodes[:0]
	for _, x := range nodes {
		keep := true
		for _, d := range drop {
			if x == d {
				keep = false
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	return out
}

// replaceRun replaces the nodes from start to end, both included, by repl.
func replaceRun(nodes []parse.Node, start, end, repl parse.Node) []parse.Node {
	i, j := -1, -1
	for k, x := range nodes {
		if x == start {
			i = k
		}
		if x == end {
			j = k
		}
	}
	if i < 0 || j < i {
		return nodes
	}
	out := append([]parse.Node{}, nodes[:i]...)
	out = append(out, repl)
	return append(out, nodes[j+1:]...)
}

// mergeText joins neighbouring text nodes, in the list and the branches of its ifs.
func mergeText(list *parse.ListNode) {
	if list == nil {
		return
	}
	var out []parse.Node
	for _, n := range list.Nodes {
		if t, ok := n.(*parse.TextNode); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(*parse.TextNode); ok {
				merged := &parse.TextNode{NodeType: parse.NodeText, Pos: prev.Pos,
					Text: append(append([]byte{}, prev.Text...), t.Text...)}
				out[len(out)-1] = merged
				continue
			}
		}
		if n, ok := n.(*parse.IfNode); ok {
			mergeText(n.List)
			mergeText(n.ElseList)
		}
		out = append(out, n)
	}
	list.Nodes = out
}

// between is the text between the first start and the following end.
func between(s, start, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return "", false
	}
	text, _, ok := strings.Cut(rest, end)
	return text, ok
}
