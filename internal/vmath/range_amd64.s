//go:build amd64 && !purego

#include "textflag.h"

// func firstOutsideAVX2(x []float64, lo, hi float64) int
TEXT ·firstOutsideAVX2(SB), NOSPLIT, $0-48
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSD lo+24(FP), Y14
	VBROADCASTSD hi+32(FP), Y15
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-4, BX
	JZ   tail
loop:
	VMOVUPD (SI)(AX*8), Y0
	VCMPPD $0x1D, Y14, Y0, Y1 // x >= lo, false for NaN
	VCMPPD $0x12, Y15, Y0, Y2 // x <= hi, false for NaN
	VANDPD Y2, Y1, Y1
	VMOVMSKPD Y1, DX
	CMPQ DX, $15
	JNE  tail // the block holds a failure: find it below
	ADDQ $4, AX
	CMPQ AX, BX
	JB   loop
tail:
	VZEROUPPER
	MOVSD lo+24(FP), X14
	MOVSD hi+32(FP), X15
scalar:
	CMPQ AX, CX
	JAE  none
	MOVSD (SI)(AX*8), X0
	UCOMISD X14, X0 // x >= lo: CF = 0 and PF = 0
	JB   found
	JP   found
	UCOMISD X0, X15 // hi >= x
	JB   found
	JP   found
	INCQ AX
	JMP  scalar
found:
	MOVQ AX, ret+40(FP)
	RET
none:
	MOVQ $-1, ret+40(FP)
	RET
