package digest

import (
	"bytes"
	"container/heap"
	"sort"

	"golang.org/x/text/collate"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// shortList keeps the first letters.ListLimit entries of a list by name, as the campaign's
// language orders names (Danish puts Æ, Ø and Å last), and counts all of them: the letter
// names those and counts the rest, so a list of 60,000 invitees without an answer costs the
// digest 100 entries, not 60,000 and their sort.
type shortList[T any] struct {
	col   *collate.Collator
	name  func(T) string
	buf   collate.Buffer
	kept  keyedHeap[T] // a max-heap on the key: the root is the first to give way
	total int
}

type keyed[T any] struct {
	key []byte
	seq int // the order of adding: equal names keep it
	v   T
}

func newShortList[T any](c *campaign.Campaign, name func(T) string) *shortList[T] {
	return &shortList[T]{col: campaign.Collator(c.Language), name: name}
}

func (s *shortList[T]) add(v T) {
	s.total++
	s.buf.Reset()
	k := keyed[T]{key: s.col.KeyFromString(&s.buf, s.name(v)), seq: s.total, v: v}
	if len(s.kept) < letters.ListLimit {
		k.key = bytes.Clone(k.key)
		heap.Push(&s.kept, k)
		return
	}
	if s.kept.less(k, s.kept[0]) {
		k.key = bytes.Clone(k.key)
		s.kept[0] = k
		heap.Fix(&s.kept, 0)
	}
}

// list returns the kept entries in name order, and how many were added.
func (s *shortList[T]) list() ([]T, int) {
	ks := []keyed[T](s.kept)
	sort.Slice(ks, func(i, j int) bool { return s.kept.less(ks[i], ks[j]) })
	out := make([]T, len(ks))
	for i, k := range ks {
		out[i] = k.v
	}
	return out, s.total
}

// keyedHeap is a max-heap of entries by (key, seq).
type keyedHeap[T any] []keyed[T]

func (h keyedHeap[T]) less(a, b keyed[T]) bool {
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}
func (h keyedHeap[T]) Len() int           { return len(h) }
func (h keyedHeap[T]) Less(i, j int) bool { return h.less(h[j], h[i]) }
func (h keyedHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *keyedHeap[T]) Push(x any)        { *h = append(*h, x.(keyed[T])) }
func (h *keyedHeap[T]) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
