//go:build amd64 && !purego

#include "textflag.h"

// func gemvNAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64)
//
// n ≥ 4. Eight rows at a time, each row's dot product in one YMM register
// (Y0..Y7) whose lanes l₀..l₃ sum the columns 0..3 mod 4 of its first
// k = n/4 chunks of four: the first chunk multiplies, the others fuse a
// multiply-add. Then, for each row,
//
//   - the high half of the register is added to the low one (HALVES),
//     giving [l₀+l₂, l₁+l₃];
//   - the last r = n mod 4 columns are fused into those two lanes: a pair
//     (columns 4k, 4k+1) into both, then a single column (n-1) into the
//     first (LAST8), so no column is loaded twice or masked;
//   - rows 2i and 2i+1 are unpacked so that one add finishes both (PAIR),
//     (l₀+l₂) + (l₁+l₃), and one 16-byte store writes the two sums.
//
// The one-row loop for the last m mod 8 rows does the same arithmetic, so
// y[i] depends on n alone.
//
// The eight rows are reduced together with the cheapest operations on
// processors that split 256-bit operations into 128-bit halves, such as
// AMD's Zen: one VEXTRACTF128 per row to reach its high half, and 128-bit
// adds and unpacks, which cost the multiply-adds of the next block least.
// VHADDPD and VPERM2F128 take several cycles there, and inserting the sums
// into YMM registers to store four at a time costs more than it saves.
//
// With n ≤ 24, x stays in Y8..Y13 for the whole call; otherwise each chunk
// of x is loaded in turn into Y8, once per eight rows. The last columns of
// x are in X14 (the pair) and X13 (the single column), which a sixth chunk
// in Y13 (n = 24) never meets. X15 is the one temporary. alpha and beta
// are read from the frame when needed: ignis calls this with alpha = 1 and
// beta = 0, where the sums are stored as they are (1·s is s, to the bit).
//
// Registers: SI the block's first row and R11 its fifth, R8 and R9 one and
// three strides in bytes, DI y, CX the block or row count, R14 the byte
// offset 32k of the last columns in a row, AX r in bits 0-1, bit 2 set
// unless y = s (alpha = 1, beta = 0), bit 3 set when beta ≠ 0. BX is k
// when x is in registers, else -32k, with DX pointing past x's last whole
// chunk, R13 a negative byte index into x and R10 and R12 cursors in rows
// 0 and 4; R10 and R12 then point at the last columns.
TEXT ·gemvNAsm(SB), NOSPLIT, $0-64
	MOVQ m+0(FP), CX
	MOVQ n+8(FP), BX
	MOVQ a+24(FP), SI
	MOVQ lda+32(FP), R8
	MOVQ x+40(FP), DX
	MOVQ y+56(FP), DI
	SHLQ $3, R8
	LEAQ (R8)(R8*2), R9

	MOVQ BX, AX
	ANDQ $3, AX
	MOVQ BX, R14
	ANDQ $-4, R14
	SHLQ $3, R14
	MOVQ beta+48(FP), R10
	SHLQ $1, R10 // drops the sign: zero iff beta is ±0
	JZ beta0
	ORQ $12, AX
	JMP xlast

beta0:
	MOVQ alpha+16(FP), R10
	MOVQ $0x3ff0000000000000, R11 // 1.0
	CMPQ R10, R11
	JEQ xlast
	ORQ $4, AX

xlast:
	TESTQ $2, AX
	JZ xlast1
	VMOVUPD (DX)(R14*1), X14

xlast1:
	TESTQ $1, AX
	JZ xchunks
	VMOVSD -8(DX)(BX*8), X13

xchunks:
	CMPQ BX, $24
	JGT xstream
	SHRQ $2, BX
	VMOVUPD (DX), Y8
	CMPQ BX, $1
	JEQ blocks
	VMOVUPD 32(DX), Y9
	CMPQ BX, $2
	JEQ blocks
	VMOVUPD 64(DX), Y10
	CMPQ BX, $3
	JEQ blocks
	VMOVUPD 96(DX), Y11
	CMPQ BX, $4
	JEQ blocks
	VMOVUPD 128(DX), Y12
	CMPQ BX, $5
	JEQ blocks
	VMOVUPD 160(DX), Y13
	JMP blocks

xstream:
	SHRQ $2, BX
	SHLQ $5, BX
	ADDQ BX, DX
	NEGQ BX

blocks:
	SHRQ $3, CX
	JZ rows1

// MUL8 and FMA8 multiply the chunk at byte offset off of rows 0..3 (from
// r0) and 4..7 (from r4) by x, the first into the accumulators, the others
// added to them.
#define MUL8(off, r0, r4, x) \
	VMULPD off(r0), x, Y0; \
	VMULPD off(r0)(R8*1), x, Y1; \
	VMULPD off(r0)(R8*2), x, Y2; \
	VMULPD off(r0)(R9*1), x, Y3; \
	VMULPD off(r4), x, Y4; \
	VMULPD off(r4)(R8*1), x, Y5; \
	VMULPD off(r4)(R8*2), x, Y6; \
	VMULPD off(r4)(R9*1), x, Y7

#define FMA8(off, r0, r4, x) \
	VFMADD231PD off(r0), x, Y0; \
	VFMADD231PD off(r0)(R8*1), x, Y1; \
	VFMADD231PD off(r0)(R8*2), x, Y2; \
	VFMADD231PD off(r0)(R9*1), x, Y3; \
	VFMADD231PD off(r4), x, Y4; \
	VFMADD231PD off(r4)(R8*1), x, Y5; \
	VFMADD231PD off(r4)(R8*2), x, Y6; \
	VFMADD231PD off(r4)(R9*1), x, Y7

// LAST8 fuses the last columns at (R10) and (R12), times x, into the
// halved rows' low lanes, with op a packed (two columns) or a scalar (one
// column) multiply-add.
#define LAST8(op, x) \
	op (R10), x, X0; \
	op (R10)(R8*1), x, X1; \
	op (R10)(R8*2), x, X2; \
	op (R10)(R9*1), x, X3; \
	op (R12), x, X4; \
	op (R12)(R8*1), x, X5; \
	op (R12)(R8*2), x, X6; \
	op (R12)(R9*1), x, X7

// HALVES adds the high half of the row in y to its low half, x:
// [l₀+l₂, l₁+l₃].
#define HALVES(y, x) \
	VEXTRACTF128 $1, y, X15; \
	VADDPD X15, x, x

// PAIR finishes the halved rows a and b: a becomes their two sums
// [(a₀+a₂)+(a₁+a₃), (b₀+b₂)+(b₁+b₃)] and b is free.
#define PAIR(a, b) \
	VUNPCKLPD b, a, X15; \
	VUNPCKHPD b, a, b; \
	VADDPD b, X15, a

block8:
	LEAQ (SI)(R8*4), R11
	TESTQ BX, BX
	JS block8stream
	MUL8(0, SI, R11, Y8)
	CMPQ BX, $1
	JEQ block8sum
	FMA8(32, SI, R11, Y9)
	CMPQ BX, $2
	JEQ block8sum
	FMA8(64, SI, R11, Y10)
	CMPQ BX, $3
	JEQ block8sum
	FMA8(96, SI, R11, Y11)
	CMPQ BX, $4
	JEQ block8sum
	FMA8(128, SI, R11, Y12)
	CMPQ BX, $5
	JEQ block8sum
	FMA8(160, SI, R11, Y13)
	JMP block8sum

block8stream:
	MOVQ SI, R10
	MOVQ R11, R12
	MOVQ BX, R13
	VMOVUPD (DX)(R13*1), Y8
	MUL8(0, R10, R12, Y8)
	ADDQ $32, R13
	JZ block8sum

block8loop:
	ADDQ $32, R10
	ADDQ $32, R12
	VMOVUPD (DX)(R13*1), Y8
	FMA8(0, R10, R12, Y8)
	ADDQ $32, R13
	JNZ block8loop

block8sum:
	HALVES(Y0, X0)
	HALVES(Y1, X1)
	HALVES(Y2, X2)
	HALVES(Y3, X3)
	HALVES(Y4, X4)
	HALVES(Y5, X5)
	HALVES(Y6, X6)
	HALVES(Y7, X7)
	TESTQ $3, AX
	JZ block8pair
	LEAQ (SI)(R14*1), R10
	LEAQ (R11)(R14*1), R12
	TESTQ $2, AX
	JZ block8last1
	LAST8(VFMADD231PD, X14)
	ADDQ $16, R10
	ADDQ $16, R12
	TESTQ $1, AX
	JZ block8pair

block8last1:
	LAST8(VFMADD231SD, X13)

block8pair:
	PAIR(X0, X1) // the sums of rows 0, 1
	PAIR(X2, X3) // rows 2, 3
	PAIR(X4, X5) // rows 4, 5
	PAIR(X6, X7) // rows 6, 7
	TESTQ $4, AX
	JNZ block8scaled
	VMOVUPD X0, (DI)
	VMOVUPD X2, 16(DI)
	VMOVUPD X4, 32(DI)
	VMOVUPD X6, 48(DI)

block8next:
	ADDQ $64, DI
	LEAQ (SI)(R8*8), SI
	DECQ CX
	JNZ block8
	JMP rows1

block8scaled:
	VMOVDDUP alpha+16(FP), X1
	TESTQ $8, AX
	JNZ block8beta
	VMULPD X0, X1, X0
	VMULPD X2, X1, X2
	VMULPD X4, X1, X4
	VMULPD X6, X1, X6
	VMOVUPD X0, (DI)
	VMOVUPD X2, 16(DI)
	VMOVUPD X4, 32(DI)
	VMOVUPD X6, 48(DI)
	JMP block8next

block8beta:
	VMOVDDUP beta+48(FP), X3
	VMULPD (DI), X3, X5
	VMULPD 16(DI), X3, X7
	VFMADD231PD X0, X1, X5
	VFMADD231PD X2, X1, X7
	VMOVUPD X5, (DI)
	VMOVUPD X7, 16(DI)
	VMULPD 32(DI), X3, X5
	VMULPD 48(DI), X3, X7
	VFMADD231PD X4, X1, X5
	VFMADD231PD X6, X1, X7
	VMOVUPD X5, 32(DI)
	VMOVUPD X7, 48(DI)
	JMP block8next

rows1:
	MOVQ m+0(FP), CX
	ANDQ $7, CX
	JZ done

row1:
	TESTQ BX, BX
	JS row1stream
	VMULPD (SI), Y8, Y0
	CMPQ BX, $1
	JEQ row1sum
	VFMADD231PD 32(SI), Y9, Y0
	CMPQ BX, $2
	JEQ row1sum
	VFMADD231PD 64(SI), Y10, Y0
	CMPQ BX, $3
	JEQ row1sum
	VFMADD231PD 96(SI), Y11, Y0
	CMPQ BX, $4
	JEQ row1sum
	VFMADD231PD 128(SI), Y12, Y0
	CMPQ BX, $5
	JEQ row1sum
	VFMADD231PD 160(SI), Y13, Y0
	JMP row1sum

row1stream:
	MOVQ SI, R10
	MOVQ BX, R13
	VMOVUPD (DX)(R13*1), Y8
	VMULPD (R10), Y8, Y0
	ADDQ $32, R13
	JZ row1sum

row1loop:
	ADDQ $32, R10
	VMOVUPD (DX)(R13*1), Y8
	VFMADD231PD (R10), Y8, Y0
	ADDQ $32, R13
	JNZ row1loop

row1sum:
	HALVES(Y0, X0)
	TESTQ $3, AX
	JZ row1pair
	LEAQ (SI)(R14*1), R10
	TESTQ $2, AX
	JZ row1last1
	VFMADD231PD (R10), X14, X0
	ADDQ $16, R10
	TESTQ $1, AX
	JZ row1pair

row1last1:
	VFMADD231SD (R10), X13, X0

row1pair:
	VUNPCKHPD X0, X0, X1
	VADDSD X1, X0, X0 // (l₀+l₂) + (l₁+l₃), as PAIR adds them
	TESTQ $4, AX
	JNZ row1scaled
	VMOVSD X0, (DI)

row1next:
	ADDQ $8, DI
	ADDQ R8, SI
	DECQ CX
	JNZ row1

done:
	VZEROUPPER
	RET

row1scaled:
	VMOVSD alpha+16(FP), X1
	TESTQ $8, AX
	JNZ row1beta
	VMULSD X0, X1, X0
	VMOVSD X0, (DI)
	JMP row1next

row1beta:
	VMOVSD beta+48(FP), X3
	VMULSD (DI), X3, X5
	VFMADD231SD X0, X1, X5
	VMOVSD X5, (DI)
	JMP row1next
