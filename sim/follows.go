package sim

// Follows: a user's relationships with businesses (slots), how they begin
// (follow), end (unfollow, lapse, block) and are recycled.

func (r *runner) initFollows() {
	k := r.k
	row := make([]int32, 0, k)
	for u := 0; u < r.n; u++ {
		row = r.pop.InitialFollows(u, row)
		r.us[u].nextLapse = noDay
		r.us[u].lastChange = -1
		r.followsStart[r.pop.Segment[u]] += int64(len(row))
		for j, b := range row {
			es := newStream(r.sExpire, u, 0).sub(int(b))
			sl := freshSlot(b)
			sl.flags, sl.expire = fFollowing, expireDay(es.Geometric(r.beh.NaturalUnfollow))
			r.slots[u*k+j] = sl
			r.us[u].nextLapse = min(r.us[u].nextLapse, sl.expire)
			r.us[u].nslots++
			r.followers[b]++
			if r.tiers.blockFollowers != nil {
				r.tiers.blockFollowers[u/r.bs*r.m+int(b)]++
			}
		}
	}
	for b := 0; b < r.m; b++ {
		r.sum[b].FollowersStart = int64(r.followers[b])
	}
	if r.pop.Graph != nil {
		r.snap = make([]int32, r.n*k)
		adviseHuge(r.snap)
		for u := 0; u < r.n; u++ {
			r.writeSnapshot(u, r.snap)
		}
	}
}

func (r *runner) writeSnapshot(u int, dst []int32) {
	k := r.k
	row := dst[u*k : (u+1)*k]
	for j := range row {
		row[j] = -1
		if j < int(r.us[u].nslots) {
			sl := &r.slots[u*k+j]
			if sl.flags&fFollowing != 0 {
				row[j] = sl.biz
			}
		}
	}
}

// lapseSlots returns the mask of the slots in row whose follow lapses by
// day d, and the first day after d on which another does (noDay: none).
func lapseSlots(row []slot, d int) (lapse uint64, next uint16) {
	next = noDay
	for i := range row {
		if e := row[i].expire; int(e) <= d {
			lapse |= 1 << i
		} else {
			next = min(next, e)
		}
	}
	return lapse, next
}

// findSlot returns the slot of u with business b, or -1.
func (r *runner) findSlot(u int, b int32) int {
	base := u * r.k
	for j := 0; j < int(r.us[u].nslots); j++ {
		if r.slots[base+j].biz == b {
			return j
		}
	}
	return -1
}

// newSlot returns a slot for a new relationship with b: a fresh one, or the
// least recently used contact that is neither followed nor blocked and
// whose window closed over 30 days ago; -1 when all are taken. prev is the
// business the slot held before (-1: none).
func (r *runner) newSlot(u int, b int32, now int32) (j int, prev int32) {
	base := u * r.k
	j, prev = int(r.us[u].nslots), -1
	if j < r.k {
		r.us[u].nslots++
	} else {
		j = -1
		oldest := now - contactMemory
		// The oldest contact, found without branches (which slots
		// qualify is hard to predict): c is 1 for a contact older than
		// the best so far, and selects it by multiplication.
		for i, sl := range r.slots[base : base+r.k] {
			last := max(sl.lastUser, sl.lastSend)
			c := b2i(sl.flags&(fFollowing|fBlocked) == 0) & b2i(last < oldest)
			j += int(c) * (i - j)
			oldest += int32(c) * (last - oldest)
		}
		if j < 0 {
			return -1, -1
		}
		prev = r.slots[base+j].biz
	}
	r.slots[base+j] = freshSlot(b)
	return j, prev
}

func (w *worker) follow(u, j, d int, hour int32, src *int64) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	if sl.flags&(fFollowing|fBlocked) != 0 {
		return
	}
	sl.flags = (sl.flags | fFollowing) &^ fMuted
	w.slotChanged(u, j, d)
	es := newStream(r.sExpire, u, d).sub(int(sl.biz))
	sl.expire = expireDay(int32(d) + es.Geometric(r.beh.NaturalUnfollow))
	r.us[u].nextLapse = min(r.us[u].nextLapse, sl.expire)
	b := int(sl.biz)
	if r.tiers.blockFollowers != nil {
		r.tiers.blockFollowers[w.blk*r.m+b]++
	}
	w.biz[b].followDelta++
	w.biz[b].follows++
	w.day.FollowsGained++
	w.seg[r.pop.Segment[u]].FollowsGained++
	*src++
	r.us[u].lastChange = int16(d)
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: hour, User: int32(u), Business: int32(b), Kind: AuditFollow, Channel: -1})
	}
}

func (w *worker) endFollow(u, j, d int) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	b := int(sl.biz)
	sl.flags &^= fFollowing | fMuted
	sl.expire = noDay
	w.slotChanged(u, j, d)
	if r.tiers.blockFollowers != nil {
		r.tiers.blockFollowers[w.blk*r.m+b]--
	}
	w.biz[b].followDelta--
	r.us[u].lastChange = int16(d)
}

func (w *worker) unfollow(u, j, d int, hour int32, annoyed bool) {
	sl := &w.r.slots[u*w.r.k+j]
	w.endFollow(u, j, d)
	w.biz[sl.biz].unfollows++
	w.day.Unfollows++
	seg := &w.seg[w.r.pop.Segment[u]]
	seg.Unfollows++
	if annoyed {
		w.day.UnfollowsAnnoyed++
		seg.UnfollowsAnnoyed++
	}
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: hour, User: int32(u), Business: sl.biz, Kind: AuditUnfollow, Channel: -1, Annoyed: annoyed})
	}
}

func (w *worker) block(u, j, d int, hour int32) {
	r := w.r
	sl := &r.slots[u*r.k+j]
	seg := &w.seg[r.pop.Segment[u]]
	if sl.flags&fFollowing != 0 {
		w.endFollow(u, j, d)
		w.biz[sl.biz].followsBlocked++
		w.day.FollowsBlocked++
		seg.FollowsBlocked++
	}
	sl.flags |= fBlocked
	w.slotChanged(u, j, d)
	w.biz[sl.biz].blocks++
	w.day.Blocks++
	seg.Blocks++
	if w.r.audit != nil {
		w.emit(AuditEvent{Day: int32(d), Hour: hour, User: int32(u), Business: sl.biz, Kind: AuditBlock, Channel: -1})
	}
}
