//go:build amd64 && !purego

#include "textflag.h"

// The element-wise kernels of arith.go and compare.go. Each macro below
// computes one operation on registers that hold 4, 2 or 1 elements (Y or
// X registers; in the last case the upper lane holds zeros, whose result
// is never stored). An AVX lane gives the same result as the SSE scalar
// instruction that Go compiles the scalar expression to, NaN payloads
// included, so only the order of the operands matters: the first source
// operand (the middle one in Go's syntax) is the expression's left
// operand, as in gc's loops.
//
// Register use: Y15 holds the kernel's constant (1, a mask, c, or 0);
// OP(a, b, t, u, k) leaves its result in a and may clobber t and u; k is
// Y15 or X15 to match the width of a.

// Comparison predicates of VCMPPD: ordered and quiet, as Go's UCOMISD
// comparisons, except the unordered ones.
#define EQ_OQ 0x00
#define UNORD_Q 0x03
#define NEQ_UQ 0x04
#define LT_OQ 0x11
#define LE_OQ 0x12
#define GE_OQ 0x1D
#define GT_OQ 0x1E

DATA arithOne<>+0(SB)/8, $0x3ff0000000000000
GLOBL arithOne<>(SB), RODATA|NOPTR, $8
DATA arithSign<>+0(SB)/8, $0x8000000000000000
GLOBL arithSign<>(SB), RODATA|NOPTR, $8

// BINARY(OP) is the body of func(dst, a, b []float64): dst[i] =
// OP(a[i], b[i]) for i < len(dst). Each element is read before its
// result is written, so dst may be a or b.
#define BINARY(OP) \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), CX; \
	MOVQ a_base+24(FP), SI; \
	MOVQ b_base+48(FP), DX; \
	XORQ AX, AX; \
	MOVQ CX, BX; \
	ANDQ $-8, BX; \
	JZ   four; \
loop: \
	VMOVUPD (SI)(AX*8), Y0; \
	VMOVUPD (DX)(AX*8), Y1; \
	VMOVUPD 32(SI)(AX*8), Y2; \
	VMOVUPD 32(DX)(AX*8), Y3; \
	OP(Y0, Y1, Y4, Y5, Y15); \
	OP(Y2, Y3, Y6, Y7, Y15); \
	VMOVUPD Y0, (DI)(AX*8); \
	VMOVUPD Y2, 32(DI)(AX*8); \
	ADDQ $8, AX; \
	CMPQ AX, BX; \
	JB   loop; \
four: \
	TESTQ $4, CX; \
	JZ    two; \
	VMOVUPD (SI)(AX*8), Y0; \
	VMOVUPD (DX)(AX*8), Y1; \
	OP(Y0, Y1, Y4, Y5, Y15); \
	VMOVUPD Y0, (DI)(AX*8); \
	ADDQ $4, AX; \
two: \
	TESTQ $2, CX; \
	JZ    one; \
	VMOVUPD (SI)(AX*8), X0; \
	VMOVUPD (DX)(AX*8), X1; \
	OP(X0, X1, X4, X5, X15); \
	VMOVUPD X0, (DI)(AX*8); \
	ADDQ $2, AX; \
one: \
	TESTQ $1, CX; \
	JZ    done; \
	VMOVSD (SI)(AX*8), X0; \
	VMOVSD (DX)(AX*8), X1; \
	OP(X0, X1, X4, X5, X15); \
	VMOVSD X0, (DI)(AX*8); \
done: \
	VZEROUPPER; \
	RET

// UNARY(OP) is the body of func(dst, x []float64) and of
// func(dst, x []float64, c float64): dst[i] = OP(x[i]) for i < len(dst).
// OP(x, k) leaves its result in x.
#define UNARY(OP) \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), CX; \
	MOVQ x_base+24(FP), SI; \
	XORQ AX, AX; \
	MOVQ CX, BX; \
	ANDQ $-8, BX; \
	JZ   four; \
loop: \
	VMOVUPD (SI)(AX*8), Y0; \
	VMOVUPD 32(SI)(AX*8), Y1; \
	OP(Y0, Y15); \
	OP(Y1, Y15); \
	VMOVUPD Y0, (DI)(AX*8); \
	VMOVUPD Y1, 32(DI)(AX*8); \
	ADDQ $8, AX; \
	CMPQ AX, BX; \
	JB   loop; \
four: \
	TESTQ $4, CX; \
	JZ    two; \
	VMOVUPD (SI)(AX*8), Y0; \
	OP(Y0, Y15); \
	VMOVUPD Y0, (DI)(AX*8); \
	ADDQ $4, AX; \
two: \
	TESTQ $2, CX; \
	JZ    one; \
	VMOVUPD (SI)(AX*8), X0; \
	OP(X0, X15); \
	VMOVUPD X0, (DI)(AX*8); \
	ADDQ $2, AX; \
one: \
	TESTQ $1, CX; \
	JZ    done; \
	VMOVSD (SI)(AX*8), X0; \
	OP(X0, X15); \
	VMOVSD X0, (DI)(AX*8); \
done: \
	VZEROUPPER; \
	RET

#define ADD(a, b, t, u, k) VADDPD b, a, a
#define SUB(a, b, t, u, k) VSUBPD b, a, a
#define MUL(a, b, t, u, k) VMULPD b, a, a
#define DIV(a, b, t, u, k) VDIVPD b, a, a

// MAX and MIN select with a compare and a blend rather than VMAXPD and
// VMINPD, which return b wherever either input is NaN and for equal
// inputs (so for ±0 in either order).
#define MAX(a, b, t, u, k) \
	VCMPPD    $GE_OQ, b, a, t; \
	VCMPPD    $UNORD_Q, a, a, u; \
	VORPD     u, t, t; \
	VBLENDVPD t, a, b, a

#define MIN(a, b, t, u, k) \
	VCMPPD    $LE_OQ, b, a, t; \
	VCMPPD    $UNORD_Q, a, a, u; \
	VORPD     u, t, t; \
	VBLENDVPD t, a, b, a

// The comparisons turn the all-ones lanes of the mask into 1 with k = 1.
#define GREATER(a, b, t, u, k) VCMPPD $GT_OQ, b, a, a; VANDPD k, a, a
#define GREATEREQ(a, b, t, u, k) VCMPPD $GE_OQ, b, a, a; VANDPD k, a, a
#define LESS(a, b, t, u, k) VCMPPD $LT_OQ, b, a, a; VANDPD k, a, a
#define LESSEQ(a, b, t, u, k) VCMPPD $LE_OQ, b, a, a; VANDPD k, a, a
#define EQUAL(a, b, t, u, k) VCMPPD $EQ_OQ, b, a, a; VANDPD k, a, a

// The unary operations; k is c for SCALE and SHIFT, the sign bit for NEG
// and ABS, 1 for RECIPROCAL.
#define SCALE(x, k) VMULPD k, x, x
#define SHIFT(x, k) VADDPD k, x, x
#define NEG(x, k) VXORPD k, x, x
#define ABS(x, k) VANDNPD x, k, x
#define SQUARE(x, k) VMULPD x, x, x
#define RECIPROCAL(x, k) VDIVPD x, k, x
#define SQRT(x, k) VSQRTPD x, x

// func addAVX2(dst, a, b []float64)
TEXT ·addAVX2(SB), NOSPLIT, $0-72
	BINARY(ADD)

// func subAVX2(dst, a, b []float64)
TEXT ·subAVX2(SB), NOSPLIT, $0-72
	BINARY(SUB)

// func mulAVX2(dst, a, b []float64)
TEXT ·mulAVX2(SB), NOSPLIT, $0-72
	BINARY(MUL)

// func divAVX2(dst, a, b []float64)
TEXT ·divAVX2(SB), NOSPLIT, $0-72
	BINARY(DIV)

// func maxAVX2(dst, a, b []float64)
TEXT ·maxAVX2(SB), NOSPLIT, $0-72
	BINARY(MAX)

// func minAVX2(dst, a, b []float64)
TEXT ·minAVX2(SB), NOSPLIT, $0-72
	BINARY(MIN)

// func greaterAVX2(dst, a, b []float64)
TEXT ·greaterAVX2(SB), NOSPLIT, $0-72
	VBROADCASTSD arithOne<>(SB), Y15
	BINARY(GREATER)

// func greaterEqualAVX2(dst, a, b []float64)
TEXT ·greaterEqualAVX2(SB), NOSPLIT, $0-72
	VBROADCASTSD arithOne<>(SB), Y15
	BINARY(GREATEREQ)

// func lessAVX2(dst, a, b []float64)
TEXT ·lessAVX2(SB), NOSPLIT, $0-72
	VBROADCASTSD arithOne<>(SB), Y15
	BINARY(LESS)

// func lessEqualAVX2(dst, a, b []float64)
TEXT ·lessEqualAVX2(SB), NOSPLIT, $0-72
	VBROADCASTSD arithOne<>(SB), Y15
	BINARY(LESSEQ)

// func equalAVX2(dst, a, b []float64)
TEXT ·equalAVX2(SB), NOSPLIT, $0-72
	VBROADCASTSD arithOne<>(SB), Y15
	BINARY(EQUAL)

// func scaleAVX2(dst, x []float64, c float64)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD c+48(FP), Y15
	UNARY(SCALE)

// func shiftAVX2(dst, x []float64, c float64)
TEXT ·shiftAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD c+48(FP), Y15
	UNARY(SHIFT)

// func negAVX2(dst, x []float64)
TEXT ·negAVX2(SB), NOSPLIT, $0-48
	VBROADCASTSD arithSign<>(SB), Y15
	UNARY(NEG)

// func absAVX2(dst, x []float64)
TEXT ·absAVX2(SB), NOSPLIT, $0-48
	VBROADCASTSD arithSign<>(SB), Y15
	UNARY(ABS)

// func squareAVX2(dst, x []float64)
TEXT ·squareAVX2(SB), NOSPLIT, $0-48
	UNARY(SQUARE)

// func reciprocalAVX2(dst, x []float64)
TEXT ·reciprocalAVX2(SB), NOSPLIT, $0-48
	VBROADCASTSD arithOne<>(SB), Y15
	UNARY(RECIPROCAL)

// func sqrtAVX2(dst, x []float64)
TEXT ·sqrtAVX2(SB), NOSPLIT, $0-48
	UNARY(SQRT)

// func whereAVX2(dst, cond, a, b []float64)
//
// A lane of cond that is not equal to 0, NaN included, selects a; ±0
// selects b.
TEXT ·whereAVX2(SB), NOSPLIT, $0-96
	MOVQ    dst_base+0(FP), DI
	MOVQ    dst_len+8(FP), CX
	MOVQ    cond_base+24(FP), R8
	MOVQ    a_base+48(FP), SI
	MOVQ    b_base+72(FP), DX
	VXORPD  Y15, Y15, Y15
	XORQ    AX, AX
	MOVQ    CX, BX
	ANDQ    $-8, BX
	JZ      four

loop:
	VMOVUPD   (R8)(AX*8), Y0
	VMOVUPD   32(R8)(AX*8), Y1
	VCMPPD    $NEQ_UQ, Y15, Y0, Y0
	VCMPPD    $NEQ_UQ, Y15, Y1, Y1
	VMOVUPD   (DX)(AX*8), Y2
	VMOVUPD   32(DX)(AX*8), Y3
	VBLENDVPD Y0, (SI)(AX*8), Y2, Y0
	VBLENDVPD Y1, 32(SI)(AX*8), Y3, Y1
	VMOVUPD   Y0, (DI)(AX*8)
	VMOVUPD   Y1, 32(DI)(AX*8)
	ADDQ      $8, AX
	CMPQ      AX, BX
	JB        loop

four:
	TESTQ     $4, CX
	JZ        two
	VMOVUPD   (R8)(AX*8), Y0
	VCMPPD    $NEQ_UQ, Y15, Y0, Y0
	VMOVUPD   (DX)(AX*8), Y2
	VBLENDVPD Y0, (SI)(AX*8), Y2, Y0
	VMOVUPD   Y0, (DI)(AX*8)
	ADDQ      $4, AX

two:
	TESTQ     $2, CX
	JZ        one
	VMOVUPD   (R8)(AX*8), X0
	VCMPPD    $NEQ_UQ, X15, X0, X0
	VMOVUPD   (DX)(AX*8), X2
	VBLENDVPD X0, (SI)(AX*8), X2, X0
	VMOVUPD   X0, (DI)(AX*8)
	ADDQ      $2, AX

one:
	TESTQ     $1, CX
	JZ        done
	VMOVSD    (R8)(AX*8), X0
	VCMPPD    $NEQ_UQ, X15, X0, X0
	VMOVSD    (SI)(AX*8), X2
	VMOVSD    (DX)(AX*8), X3
	VBLENDVPD X0, X2, X3, X0
	VMOVSD    X0, (DI)(AX*8)

done:
	VZEROUPPER
	RET
