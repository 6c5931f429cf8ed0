package sim

// prefetchSlots asks the CPU to bring the three cache lines from addr on
// (the first six or seven slots of a user) into its caches. It is a hint
// only: nothing is read, and an address past the data cannot fault.
//
//go:noescape
func prefetchSlots(addr uintptr)
