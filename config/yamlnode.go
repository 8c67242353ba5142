package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a configuration file, located by file, line and key path.
type Error struct {
	File string
	Line int
	Path string // "meetings[1].start"
	Msg  string
}

func (e Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	return b.String() + ": " + e.Msg
}

// Errors is every problem found in a configuration, in file and line order.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
	return es
}

// collector gathers errors while a file is read, so one run reports them all.
type collector struct {
	file    string
	errs    Errors
	lines   map[string]int // key path -> line, to place problems found after reading
	dropped int            // problems past maxErrors, counted only
}

// lineOf is the line of the key path, or of its nearest enclosing key that has one.
func (c *collector) lineOf(path string) int {
	for p := path; p != ""; {
		if l, ok := c.lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func (c *collector) add(line int, path, format string, args ...any) {
	if len(c.errs) >= maxErrors {
		c.dropped++
		return
	}
	c.errs = append(c.errs, Error{File: c.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// all is every problem kept in line order, and a last one counting those past maxErrors.
func (c *collector) all() Errors {
	all := append(Errors(nil), c.errs...).sorted()
	if c.dropped > 0 {
		all = append(all, Error{File: c.file, Msg: fmt.Sprintf("%d more problems not shown", c.dropped)})
	}
	return all
}

// node is a YAML node with its key path, read through typed accessors that record problems
// instead of stopping at the first.
type node struct {
	c    *collector
	n    *yaml.Node
	path string
	at   int // the line of the enclosing mapping, for keys that are missing
}

func (n node) missing() bool { return n.n == nil }

func (n node) line() int {
	if n.n == nil {
		return n.at
	}
	return n.n.Line
}

func (n node) errorf(format string, args ...any) { n.c.add(n.line(), n.path, format, args...) }

func (n node) child(key string, v *yaml.Node) node {
	p := key
	if n.path != "" {
		p = n.path + "." + key
	}
	return node{c: n.c, n: v, path: p, at: n.line()}
}

// fields reads a mapping, reporting keys it does not know (with the nearest known key as a
// hint) and keys given twice. Missing keys come back as nodes with n == nil.
func (n node) fields(known ...string) map[string]node {
	out := make(map[string]node, len(known))
	for _, k := range known {
		out[k] = n.child(k, nil)
	}
	if n.n == nil || isNull(n.n) {
		return out
	}
	if n.n.Kind != yaml.MappingNode {
		n.errorf("expected a mapping of keys, found %s", kindName(n.n))
		return out
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.n.Content); i += 2 {
		k, v := n.n.Content[i], n.n.Content[i+1]
		key := n.child(k.Value, k)
		if first, dup := seen[k.Value]; dup {
			key.errorf("key given twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		if n.c.lines != nil {
			n.c.lines[key.path] = k.Line
		}
		if _, ok := out[k.Value]; !ok {
			if hint := nearest(k.Value, known); hint != "" {
				key.errorf("unknown key (did you mean %q?)", hint)
			} else {
				key.errorf("unknown key (known: %s)", strings.Join(known, ", "))
			}
			continue
		}
		out[k.Value] = n.child(k.Value, v)
	}
	return out
}

func (n node) list() []node {
	if n.n == nil || isNull(n.n) {
		return nil
	}
	if n.n.Kind != yaml.SequenceNode {
		n.errorf("expected a list, found %s", kindName(n.n))
		return nil
	}
	out := make([]node, len(n.n.Content))
	for i, v := range n.n.Content {
		out[i] = node{c: n.c, n: v, path: fmt.Sprintf("%s[%d]", n.path, i), at: v.Line}
		if n.c.lines != nil {
			n.c.lines[out[i].path] = v.Line
		}
	}
	return out
}

func (n node) scalar() (string, bool) {
	if n.n == nil || isNull(n.n) {
		return "", false
	}
	if n.n.Kind != yaml.ScalarNode {
		n.errorf("expected a single value, found %s", kindName(n.n))
		return "", false
	}
	return n.n.Value, true
}

// str reads a string; a required one that is missing or empty is an error, and so is one
// longer than maxValue.
func (n node) str(required bool) string {
	s, ok := n.scalar()
	if required && (!ok || strings.TrimSpace(s) == "") {
		n.errorf("required")
	}
	s = strings.TrimSpace(s)
	if len(s) > maxValue {
		n.errorf("%d bytes long; at most %d", len(s), maxValue)
		return ""
	}
	return s
}

// header reads a string that ends up in a mail header: CR, LF and other control
// characters there would let a value inject headers, and it is at most maxHeaderValue long.
func (n node) header(required bool) string {
	s := n.str(required)
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		n.errorf("control character %q not allowed in a value used in mail headers", s[i])
		return ""
	}
	if len(s) > maxHeaderValue {
		n.errorf("%d bytes long; a value used in mail headers has at most %d", len(s), maxHeaderValue)
		return ""
	}
	return s
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (n node) integer(def int) int {
	s, ok := n.scalar()
	if !ok {
		return def
	}
	v, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil {
		n.errorf("%q is not a whole number", s)
		return def
	}
	return v
}

func (n node) float(def float64) float64 {
	s, ok := n.scalar()
	if !ok {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		n.errorf("%q is not a number", s)
		return def
	}
	return v
}

// duration reads "90s", "30m", "48h" or "7d".
// boolean reads true or false (yes/no, on/off); def when the key is missing.
func (n node) boolean(def bool) bool {
	s, ok := n.scalar()
	if !ok {
		return def
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	n.errorf("%q is not true or false", s)
	return def
}

func (n node) duration(def time.Duration) time.Duration {
	s, ok := n.scalar()
	if !ok {
		return def
	}
	d, err := parseDuration(s)
	if err != nil {
		n.errorf("%v", err)
		return def
	}
	return d
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(days)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%q is not a duration (like 7d, 36h, 30m)", s)
		}
		return time.Duration(v) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (like 7d, 36h, 30m)", s)
	}
	return d, nil
}

// FormatDuration writes a duration as the file does, for parseDuration to read back: whole
// days as 7d, whole hours as 36h, else Go's own form (30m0s reads as 30m).
func FormatDuration(d time.Duration) string {
	switch {
	case d != 0 && d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d != 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d != 0 && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// strings reads a list of strings (or a single string as a list of one).
func (n node) strs() []string {
	if n.n != nil && n.n.Kind == yaml.ScalarNode && !isNull(n.n) {
		return []string{strings.TrimSpace(n.n.Value)}
	}
	var out []string
	for _, item := range n.list() {
		if s := item.str(true); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a single value"
}

// nearest returns the known key closest to an unknown one, when it is close enough to be a typo.
func nearest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
