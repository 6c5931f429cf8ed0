package sim

// prefetch asks the CPU to bring the cache lines of the n bytes from addr
// on into its caches. It is a hint only: nothing is read, and an address
// past the data cannot fault.
//
//go:noescape
func prefetch(addr, n uintptr)
