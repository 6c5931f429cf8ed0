#include "textflag.h"

// func prefetch(addr, n uintptr)
TEXT ·prefetch(SB), NOSPLIT, $0-16
	MOVQ addr+0(FP), AX
	MOVQ n+8(FP), CX
	ADDQ AX, CX      // CX: end of the range
	ANDQ $~63, AX   // AX: start of its first cache line
loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	CMPQ AX, CX
	JCS  loop
	RET
