//go:build amd64 && !purego

#include "textflag.h"

// The columns of y past the last multiple of four are handled in
// gemvTRegsAsm by a last vector at columns n-4 … n-1 that overlaps the one
// before it; in gemvTAxpyAsm by scalar fused multiply-adds.

// func gemvTAxpyAsm(m, n int, alpha float64, a *float64, lda int, x *float64, y *float64)
//
// y[j] ← fma(alpha·x[i], a[i,j], y[j]) for i = 0, 1, …, m-1 in order, for
// every j: four rows at a time, each 8-column chunk of y loaded once and
// updated by the four rows before it is stored, the last n mod 4 columns
// one at a time with the same scalar fused multiply-adds. Registers: SI
// the block's first row, R8 and R9 one and three strides in bytes, R10 and
// R11 the cursors in the rows and in y, R12 the column count, R13 the block
// count, X7 alpha, Y8..Y11 alpha·x[i] for the block's four rows.
TEXT ·gemvTAxpyAsm(SB), NOSPLIT, $0-56
	MOVQ m+0(FP), CX
	MOVQ n+8(FP), BX
	MOVSD alpha+16(FP), X7
	MOVQ a+24(FP), SI
	MOVQ lda+32(FP), R8
	MOVQ x+40(FP), DX
	MOVQ y+48(FP), DI
	SHLQ $3, R8
	LEAQ (R8)(R8*2), R9
	MOVQ CX, R13
	SHRQ $2, R13
	JZ trow1

tblock4:
	VMULSD (DX), X7, X8
	VMULSD 8(DX), X7, X9
	VMULSD 16(DX), X7, X10
	VMULSD 24(DX), X7, X11
	VBROADCASTSD X8, Y8
	VBROADCASTSD X9, Y9
	VBROADCASTSD X10, Y10
	VBROADCASTSD X11, Y11
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ BX, R12
	SHRQ $3, R12
	JZ tblock4quad

tblock4loop:
	VMOVUPD (R11), Y0
	VMOVUPD 32(R11), Y1
	VFMADD231PD (R10), Y8, Y0
	VFMADD231PD 32(R10), Y8, Y1
	VFMADD231PD (R10)(R8*1), Y9, Y0
	VFMADD231PD 32(R10)(R8*1), Y9, Y1
	VFMADD231PD (R10)(R8*2), Y10, Y0
	VFMADD231PD 32(R10)(R8*2), Y10, Y1
	VFMADD231PD (R10)(R9*1), Y11, Y0
	VFMADD231PD 32(R10)(R9*1), Y11, Y1
	VMOVUPD Y0, (R11)
	VMOVUPD Y1, 32(R11)
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ R12
	JNZ tblock4loop

tblock4quad:
	TESTQ $4, BX
	JZ tblock4scalar
	VMOVUPD (R11), Y0
	VFMADD231PD (R10), Y8, Y0
	VFMADD231PD (R10)(R8*1), Y9, Y0
	VFMADD231PD (R10)(R8*2), Y10, Y0
	VFMADD231PD (R10)(R9*1), Y11, Y0
	VMOVUPD Y0, (R11)
	ADDQ $32, R10
	ADDQ $32, R11

tblock4scalar:
	MOVQ BX, R12
	ANDQ $3, R12
	JZ tblock4next

tblock4scalarloop:
	VMOVSD (R11), X0
	VFMADD231SD (R10), X8, X0
	VFMADD231SD (R10)(R8*1), X9, X0
	VFMADD231SD (R10)(R8*2), X10, X0
	VFMADD231SD (R10)(R9*1), X11, X0
	VMOVSD X0, (R11)
	ADDQ $8, R10
	ADDQ $8, R11
	DECQ R12
	JNZ tblock4scalarloop

tblock4next:
	ADDQ $32, DX
	LEAQ (SI)(R8*4), SI
	DECQ R13
	JNZ tblock4

trow1:
	ANDQ $3, CX
	JZ tdone

trow1loop:
	VMULSD (DX), X7, X8
	VBROADCASTSD X8, Y8
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ BX, R12
	SHRQ $3, R12
	JZ trow1quad

trow1inner:
	VMOVUPD (R11), Y0
	VMOVUPD 32(R11), Y1
	VFMADD231PD (R10), Y8, Y0
	VFMADD231PD 32(R10), Y8, Y1
	VMOVUPD Y0, (R11)
	VMOVUPD Y1, 32(R11)
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ R12
	JNZ trow1inner

trow1quad:
	TESTQ $4, BX
	JZ trow1scalar
	VMOVUPD (R11), Y0
	VFMADD231PD (R10), Y8, Y0
	VMOVUPD Y0, (R11)
	ADDQ $32, R10
	ADDQ $32, R11

trow1scalar:
	MOVQ BX, R12
	ANDQ $3, R12
	JZ trow1next

trow1scalarloop:
	VMOVSD (R11), X0
	VFMADD231SD (R10), X8, X0
	VMOVSD X0, (R11)
	ADDQ $8, R10
	ADDQ $8, R11
	DECQ R12
	JNZ trow1scalarloop

trow1next:
	ADDQ $8, DX
	ADDQ R8, SI
	DECQ CX
	JNZ trow1loop

tdone:
	VZEROUPPER
	RET

// STEPk adds b times the row at p to k accumulators: k-1 vectors at
// columns 0, 4, … into a0 …, and the last, at columns n-4 … n-1 (R12 bytes
// in), into l.
#define STEP1(p, b, l) \
	VFMADD231PD (p)(R12*1), b, l

#define STEP2(p, b, a0, l) \
	VFMADD231PD 0(p), b, a0; \
	VFMADD231PD (p)(R12*1), b, l

#define STEP3(p, b, a0, a1, l) \
	VFMADD231PD 0(p), b, a0; \
	VFMADD231PD 32(p), b, a1; \
	VFMADD231PD (p)(R12*1), b, l

#define STEP4(p, b, a0, a1, a2, l) \
	VFMADD231PD 0(p), b, a0; \
	VFMADD231PD 32(p), b, a1; \
	VFMADD231PD 64(p), b, a2; \
	VFMADD231PD (p)(R12*1), b, l

#define STEP5(p, b, a0, a1, a2, a3, l) \
	VFMADD231PD 0(p), b, a0; \
	VFMADD231PD 32(p), b, a1; \
	VFMADD231PD 64(p), b, a2; \
	VFMADD231PD 96(p), b, a3; \
	VFMADD231PD (p)(R12*1), b, l

#define STEP6(p, b, a0, a1, a2, a3, a4, l) \
	VFMADD231PD 0(p), b, a0; \
	VFMADD231PD 32(p), b, a1; \
	VFMADD231PD 64(p), b, a2; \
	VFMADD231PD 96(p), b, a3; \
	VFMADD231PD 128(p), b, a4; \
	VFMADD231PD (p)(R12*1), b, l

// BCAST2 broadcasts x[i] and x[i+1]; NEXT2 moves the row cursors SI, R9
// and the x cursor DX on by two rows.
#define BCAST2 \
	VBROADCASTSD (DX), Y12; \
	VBROADCASTSD 8(DX), Y13

#define NEXT2 \
	LEAQ (SI)(R8*2), SI; \
	LEAQ (R9)(R8*2), R9; \
	ADDQ $16, DX

// YFULL sets the four elements of y at off(DI) to alpha·acc + beta·y.
#define YFULL(acc, off) \
	VMULPD off(DI), Y13, Y14; \
	VFMADD231PD acc, Y12, Y14; \
	VMOVUPD Y14, off(DI)

// func gemvTRegsAsm(m, n int, alpha float64, a *float64, lda int, x *float64, beta float64, y *float64)
//
// 4 ≤ n ≤ 24. The sum z = Aᵀx stays in registers for one pass over A:
// k = ⌈n/4⌉ vectors in two sets, Y0..Y4 and Y5 (the last vector, at columns
// n-4 … n-1) taking the even rows, and Y6..Y10 and Y11 the odd ones, so
// that two independent chains of fused multiply-adds hide their latency;
// the last row of an odd m goes to the even set. Each row broadcasts x[i]
// (Y12, Y13). Columns in both the last vector and the one before it are
// summed twice, in the same order, to the same bits; the last vector's
// part of y is computed from the caller's y first and stored last. AX
// holds k-1, R11 the count of row pairs, R12 the byte offset of column n-4.
TEXT ·gemvTRegsAsm(SB), NOSPLIT, $0-64
	MOVQ m+0(FP), CX
	MOVQ n+8(FP), BX
	MOVQ a+24(FP), SI
	MOVQ lda+32(FP), R8
	MOVQ x+40(FP), DX
	SHLQ $3, R8
	LEAQ (SI)(R8*1), R9
	MOVQ BX, R12
	SHLQ $3, R12
	SUBQ $32, R12
	LEAQ -1(BX), AX
	SHRQ $2, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	MOVQ CX, R11
	SHRQ $1, R11
	CMPQ AX, $1
	JLT k1
	JEQ k2
	CMPQ AX, $3
	JLT k3
	JEQ k4
	CMPQ AX, $4
	JEQ k5
	JMP k6

k1:
	TESTQ R11, R11
	JZ k1odd

k1loop:
	BCAST2
	STEP1(SI, Y12, Y5)
	STEP1(R9, Y13, Y11)
	NEXT2
	DECQ R11
	JNZ k1loop

k1odd:
	TESTQ $1, CX
	JZ sum
	VBROADCASTSD (DX), Y12
	STEP1(SI, Y12, Y5)
	JMP sum

k2:
	TESTQ R11, R11
	JZ k2odd

k2loop:
	BCAST2
	STEP2(SI, Y12, Y0, Y5)
	STEP2(R9, Y13, Y6, Y11)
	NEXT2
	DECQ R11
	JNZ k2loop

k2odd:
	TESTQ $1, CX
	JZ sum
	VBROADCASTSD (DX), Y12
	STEP2(SI, Y12, Y0, Y5)
	JMP sum

k3:
	TESTQ R11, R11
	JZ k3odd

k3loop:
	BCAST2
	STEP3(SI, Y12, Y0, Y1, Y5)
	STEP3(R9, Y13, Y6, Y7, Y11)
	NEXT2
	DECQ R11
	JNZ k3loop

k3odd:
	TESTQ $1, CX
	JZ sum
	VBROADCASTSD (DX), Y12
	STEP3(SI, Y12, Y0, Y1, Y5)
	JMP sum

k4:
	TESTQ R11, R11
	JZ k4odd

k4loop:
	BCAST2
	STEP4(SI, Y12, Y0, Y1, Y2, Y5)
	STEP4(R9, Y13, Y6, Y7, Y8, Y11)
	NEXT2
	DECQ R11
	JNZ k4loop

k4odd:
	TESTQ $1, CX
	JZ sum
	VBROADCASTSD (DX), Y12
	STEP4(SI, Y12, Y0, Y1, Y2, Y5)
	JMP sum

k5:
	TESTQ R11, R11
	JZ k5odd

k5loop:
	BCAST2
	STEP5(SI, Y12, Y0, Y1, Y2, Y3, Y5)
	STEP5(R9, Y13, Y6, Y7, Y8, Y9, Y11)
	NEXT2
	DECQ R11
	JNZ k5loop

k5odd:
	TESTQ $1, CX
	JZ sum
	VBROADCASTSD (DX), Y12
	STEP5(SI, Y12, Y0, Y1, Y2, Y3, Y5)
	JMP sum

k6:
	TESTQ R11, R11
	JZ k6odd

k6loop:
	BCAST2
	STEP6(SI, Y12, Y0, Y1, Y2, Y3, Y4, Y5)
	STEP6(R9, Y13, Y6, Y7, Y8, Y9, Y10, Y11)
	NEXT2
	DECQ R11
	JNZ k6loop

k6odd:
	TESTQ $1, CX
	JZ sum
	VBROADCASTSD (DX), Y12
	STEP6(SI, Y12, Y0, Y1, Y2, Y3, Y4, Y5)

sum:
	MOVQ y+56(FP), DI
	VBROADCASTSD alpha+16(FP), Y12
	VBROADCASTSD beta+48(FP), Y13
	VADDPD Y11, Y5, Y5
	VMULPD (DI)(R12*1), Y13, Y11
	VFMADD231PD Y5, Y12, Y11  // the last vector of y, from the caller's y
	CMPQ AX, $0
	JEQ last
	VADDPD Y6, Y0, Y0
	YFULL(Y0, 0)
	CMPQ AX, $1
	JEQ last
	VADDPD Y7, Y1, Y1
	YFULL(Y1, 32)
	CMPQ AX, $2
	JEQ last
	VADDPD Y8, Y2, Y2
	YFULL(Y2, 64)
	CMPQ AX, $3
	JEQ last
	VADDPD Y9, Y3, Y3
	YFULL(Y3, 96)
	CMPQ AX, $4
	JEQ last
	VADDPD Y10, Y4, Y4
	YFULL(Y4, 128)

last:
	VMOVUPD Y11, (DI)(R12*1)
	VZEROUPPER
	RET
