#include "textflag.h"

// func prefetchSlots(addr uintptr)
TEXT ·prefetchSlots(SB), NOSPLIT, $0-8
	MOVQ addr+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 128(AX)
	RET
