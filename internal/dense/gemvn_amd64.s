//go:build amd64 && !purego

#include "textflag.h"

// The lane numbers 0..3, from which gemvNAsm builds the mask of the lanes
// of its last, overlapping chunk that hold new columns.
DATA gemvLanes<>+0(SB)/8, $0
DATA gemvLanes<>+8(SB)/8, $1
DATA gemvLanes<>+16(SB)/8, $2
DATA gemvLanes<>+24(SB)/8, $3
GLOBL gemvLanes<>(SB), RODATA|NOPTR, $32

// Columns past the last multiple of four are handled without masked loads
// and stores, which cost several cycles each on AMD processors: a last
// vector is loaded from columns n-4 … n-1, overlapping the one before it,
// and the overlap is either zeroed (gemvNAsm) or computed twice to the same
// bits (gemvTRegsAsm). This needs n ≥ 4; smaller n takes the Go path.

// func gemvNAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64)
//
// n ≥ 4. Eight rows at a time, each row's dot product in one YMM register
// (Y0..Y7), one 4-column chunk of x (Y8) shared by the eight rows: the
// first chunk multiplies, the others fuse a multiply-add, and when n is not
// a multiple of four a last chunk at columns n-4 … n-1 is added with the
// lanes already counted zeroed in both A (mask Y15) and x (Y14, loaded
// once). A row's sum is then (l₀+l₂) + (l₁+l₃) over the register's lanes.
// The one-row loop for the last m mod 8 rows does exactly the same, so
// y[i] depends on n alone. Registers: SI the block's first row, R8 and R9
// one and three strides in bytes, R10 and R11 cursors in rows 0 and 4, R12
// in x, R13 the chunk count, R14 the step back (negative) from the end of
// the full chunks to the last one, or 0, CX the block count, AX zero when
// beta is, Y11 alpha, Y12 beta.
TEXT ·gemvNAsm(SB), NOSPLIT, $0-64
	MOVQ m+0(FP), CX
	MOVQ n+8(FP), BX
	MOVQ a+24(FP), SI
	MOVQ lda+32(FP), R8
	MOVQ x+40(FP), DX
	MOVQ y+56(FP), DI
	SHLQ $3, R8
	LEAQ (R8)(R8*2), R9
	VBROADCASTSD alpha+16(FP), Y11
	VBROADCASTSD beta+48(FP), Y12
	MOVQ beta+48(FP), AX
	SHLQ $1, AX  // drops the sign: zero iff beta is ±0
	MOVQ BX, R14
	ANDQ $3, R14
	JZ blocks
	MOVQ $3, R13
	SUBQ R14, R13
	VMOVQ R13, X15
	VPBROADCASTQ X15, Y15
	VMOVDQU gemvLanes<>(SB), Y13
	VPCMPGTQ Y15, Y13, Y15  // lanes 4-(n mod 4) … 3
	VANDPD -32(DX)(BX*8), Y15, Y14
	SHLQ $3, R14
	SUBQ $32, R14

blocks:
	SHRQ $3, CX
	JZ rows1

block8:
	MOVQ SI, R10
	LEAQ (SI)(R8*4), R11
	MOVQ DX, R12
	MOVQ BX, R13
	SHRQ $2, R13
	VMOVUPD (R12), Y8
	VMULPD (R10), Y8, Y0
	VMULPD (R10)(R8*1), Y8, Y1
	VMULPD (R10)(R8*2), Y8, Y2
	VMULPD (R10)(R9*1), Y8, Y3
	VMULPD (R11), Y8, Y4
	VMULPD (R11)(R8*1), Y8, Y5
	VMULPD (R11)(R8*2), Y8, Y6
	VMULPD (R11)(R9*1), Y8, Y7
	DECQ R13
	JZ block8tail

block8loop:
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	VMOVUPD (R12), Y8
	VFMADD231PD (R10), Y8, Y0
	VFMADD231PD (R10)(R8*1), Y8, Y1
	VFMADD231PD (R10)(R8*2), Y8, Y2
	VFMADD231PD (R10)(R9*1), Y8, Y3
	VFMADD231PD (R11), Y8, Y4
	VFMADD231PD (R11)(R8*1), Y8, Y5
	VFMADD231PD (R11)(R8*2), Y8, Y6
	VFMADD231PD (R11)(R9*1), Y8, Y7
	DECQ R13
	JNZ block8loop

block8tail:
	TESTQ R14, R14
	JZ block8sum
	ADDQ R14, R10
	ADDQ R14, R11
	VANDPD 32(R10), Y15, Y9
	VANDPD 32(R10)(R8*1), Y15, Y10
	VFMADD231PD Y9, Y14, Y0
	VFMADD231PD Y10, Y14, Y1
	VANDPD 32(R10)(R8*2), Y15, Y9
	VANDPD 32(R10)(R9*1), Y15, Y10
	VFMADD231PD Y9, Y14, Y2
	VFMADD231PD Y10, Y14, Y3
	VANDPD 32(R11), Y15, Y9
	VANDPD 32(R11)(R8*1), Y15, Y10
	VFMADD231PD Y9, Y14, Y4
	VFMADD231PD Y10, Y14, Y5
	VANDPD 32(R11)(R8*2), Y15, Y9
	VANDPD 32(R11)(R9*1), Y15, Y10
	VFMADD231PD Y9, Y14, Y6
	VFMADD231PD Y10, Y14, Y7

block8sum:
	VEXTRACTF128 $1, Y0, X8
	VEXTRACTF128 $1, Y1, X9
	VEXTRACTF128 $1, Y2, X10
	VEXTRACTF128 $1, Y3, X13
	VADDPD X8, X0, X0  // l₀+l₂, l₁+l₃ of row 0
	VADDPD X9, X1, X1
	VADDPD X10, X2, X2
	VADDPD X13, X3, X3
	VEXTRACTF128 $1, Y4, X8
	VEXTRACTF128 $1, Y5, X9
	VEXTRACTF128 $1, Y6, X10
	VEXTRACTF128 $1, Y7, X13
	VADDPD X8, X4, X4
	VADDPD X9, X5, X5
	VADDPD X10, X6, X6
	VADDPD X13, X7, X7
	VUNPCKLPD X1, X0, X8
	VUNPCKHPD X1, X0, X0
	VUNPCKLPD X3, X2, X9
	VUNPCKHPD X3, X2, X2
	VUNPCKLPD X5, X4, X10
	VUNPCKHPD X5, X4, X4
	VUNPCKLPD X7, X6, X13
	VUNPCKHPD X7, X6, X6
	VADDPD X8, X0, X0  // the sums of rows 0, 1
	VADDPD X9, X2, X2
	VADDPD X10, X4, X4
	VADDPD X13, X6, X6
	VINSERTF128 $1, X2, Y0, Y0  // the sums of rows 0..3
	VINSERTF128 $1, X6, Y4, Y4  // and of rows 4..7
	TESTQ AX, AX
	JZ block8beta0
	VMULPD (DI), Y12, Y1
	VMULPD 32(DI), Y12, Y5
	VFMADD231PD Y0, Y11, Y1
	VFMADD231PD Y4, Y11, Y5
	VMOVUPD Y1, (DI)
	VMOVUPD Y5, 32(DI)
	JMP block8next

block8beta0:
	VMULPD Y0, Y11, Y0
	VMULPD Y4, Y11, Y4
	VMOVUPD Y0, (DI)
	VMOVUPD Y4, 32(DI)

block8next:
	ADDQ $64, DI
	LEAQ (SI)(R8*8), SI
	DECQ CX
	JNZ block8

rows1:
	MOVQ m+0(FP), CX
	ANDQ $7, CX
	JZ done

row1:
	MOVQ SI, R10
	MOVQ DX, R12
	MOVQ BX, R13
	SHRQ $2, R13
	VMOVUPD (R12), Y8
	VMULPD (R10), Y8, Y0
	DECQ R13
	JZ row1tail

row1loop:
	ADDQ $32, R10
	ADDQ $32, R12
	VMOVUPD (R12), Y8
	VFMADD231PD (R10), Y8, Y0
	DECQ R13
	JNZ row1loop

row1tail:
	TESTQ R14, R14
	JZ row1sum
	ADDQ R14, R10
	VANDPD 32(R10), Y15, Y9
	VFMADD231PD Y9, Y14, Y0

row1sum:
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VUNPCKHPD X0, X0, X1
	VADDSD X1, X0, X0
	TESTQ AX, AX
	JZ row1beta0
	VMULSD (DI), X12, X1
	VFMADD231SD X0, X11, X1
	VMOVSD X1, (DI)
	JMP row1next

row1beta0:
	VMULSD X0, X11, X0
	VMOVSD X0, (DI)

row1next:
	ADDQ $8, DI
	ADDQ R8, SI
	DECQ CX
	JNZ row1

done:
	VZEROUPPER
	RET
