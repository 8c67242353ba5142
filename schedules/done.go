package schedules

// doneSet is what the ledger has settled, as the runner keeps it: one bit per job an invitee
// can have (Planner.slotOf), and the jobs of the whole campaign (digests, participant lists,
// the final report) by key. A hundred thousand invitees with six jobs
// each take 75 KB rather than a map of 600,000 keys, and checking a job needs no key.
type doneSet struct {
	p       *Planner
	bits    []uint64
	digests map[string]bool
}

func newDoneSet(p *Planner) doneSet {
	n := len(p.c.Invitees)*p.perInvitee + 1
	return doneSet{p: p, bits: make([]uint64, (n+63)/64), digests: map[string]bool{}}
}

func (d *doneSet) has(j *Job) bool {
	if j.slot > 0 {
		return d.bits[j.slot/64]&(1<<(j.slot%64)) != 0
	}
	j.fillKey()
	return d.digests[j.Key]
}

// hasKey is has for a job known by its key only (those of the whole campaign).
func (d *doneSet) hasKey(key string) bool {
	if slot, ok := d.p.slotOfKey(key); ok {
		return d.bits[slot/64]&(1<<(slot%64)) != 0
	}
	return d.digests[key]
}

func (d *doneSet) add(j *Job) {
	if j.slot > 0 {
		d.bits[j.slot/64] |= 1 << (j.slot % 64)
		return
	}
	j.fillKey()
	d.digests[j.Key] = true
}

// addKey records a key from the ledger. A key that names no job the planner can make any more
// (an invitee since removed, a nudge no longer configured) is not kept: no job will ask.
func (d *doneSet) addKey(key string) {
	if slot, ok := d.p.slotOfKey(key); ok {
		d.bits[slot/64] |= 1 << (slot % 64)
		return
	}
	if k, _, _ := cutKind(key); !k.PerInvitee() {
		d.digests[key] = true
	}
}

func cutKind(key string) (Kind, string, bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return Kind(key[:i]), key[i+1:], true
		}
	}
	return Kind(key), "", false
}
