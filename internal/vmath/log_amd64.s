//go:build amd64 && !purego

#include "textflag.h"
#include "vmath_amd64.h"

// LOG_BODY sets Y9 = ln x from LOG_SPLIT's Y1 = f and Y2 = k, as log.
// Clobbers Y5, Y7, Y8, Y10–Y12.
#define LOG_BODY \
	LOG_HFSQ_S; \
	LOG_TAIL; \
	VFMADD231PD K(C_LN2LO), Y2, Y9; \
	LOG_FINISH

// LOG_WIDE sets Y9 = ln x for Y0 = x of any value: subnormal x is scaled by
// 2⁵² first, and the special cases are blended in: -Inf for ±0, NaN below
// 0, x itself for +Inf and NaN.
#define LOG_WIDE \
	VMOVAPD Y0, Y13; \
	VCMPPD $LT, K(C_MINNORM), Y0, Y5; \
	VMULPD K(C_2P52), Y0, Y6; \
	VBLENDVPD Y5, Y6, Y0, Y0; \
	VANDPD K(C_52), Y5, Y3; \
	LOG_SPLIT(Y0); \
	VSUBPD Y3, Y2, Y2; \
	LOG_BODY; \
	VXORPD Y5, Y5, Y5; \
	VCMPPD $EQ, Y5, Y13, Y6; \
	VBLENDVPD Y6, K(C_NEGINF), Y9, Y9; \
	VCMPPD $LT, Y5, Y13, Y6; \
	VBLENDVPD Y6, K(C_NAN), Y9, Y9; \
	VCMPPD $UNORD, Y13, Y13, Y6; \
	VCMPPD $EQ, K(C_INF), Y13, Y7; \
	VORPD Y7, Y6, Y6; \
	VBLENDVPD Y6, Y13, Y9, Y9

// LOG_A splits the vector at i·32(SI) and stores f, k, f²/2 and
// s = f/(2 + f) at i·128(SP), the frame's scratch space.
#define LOG_A(i) \
	VMOVUPD (i*32)(SI), Y0; \
	LOG_SPLIT(Y0); \
	LOG_HFSQ_S; \
	VMOVUPD Y1, (i*128)(SP); \
	VMOVUPD Y2, (i*128+32)(SP); \
	VMOVUPD Y7, (i*128+64)(SP); \
	VMOVUPD Y8, (i*128+96)(SP)

// LOG_B finishes the vector LOG_A(i) began and stores it at i·32(DI).
#define LOG_B(i) \
	VMOVUPD (i*128)(SP), Y1; \
	VMOVUPD (i*128+32)(SP), Y2; \
	VMOVUPD (i*128+64)(SP), Y7; \
	VMOVUPD (i*128+96)(SP), Y8; \
	LOG_TAIL; \
	VFMADD231PD K(C_LN2LO), Y2, Y9; \
	LOG_FINISH; \
	VMOVUPD Y9, (i*32)(DI)

// LOG_OK clears in Y4 the lanes whose element of the vector at i·32(SI)
// is not positive, normal and finite. Clobbers Y0, Y3, Y5.
#define LOG_OK(i) \
	VMOVUPD (i*32)(SI), Y0; \
	VCMPPD $GE, K(C_MINNORM), Y0, Y3; \
	VCMPPD $LT, K(C_INF), Y0, Y5; \
	VANDPD Y5, Y3, Y3; \
	VANDPD Y3, Y4, Y4

// func logAVX2(dst, x []float64)
//
// Blocks of 16 elements whose lanes are all positive, normal and finite
// run in two passes: the first splits the four vectors and starts their
// divisions, the second finishes them, so that the divisions overlap
// instead of stalling each vector's chain. Other vectors go one at a time,
// through LOG_BODY or, with a special lane, LOG_WIDE; the last partial one
// through LOG_WIDE.
TEXT ·logAVX2(SB), $512-48
	PROLOGUE
loop16:
	CMPQ CX, $16
	JL one
	VPCMPEQQ Y4, Y4, Y4
	LOG_OK(0)
	LOG_OK(1)
	LOG_OK(2)
	LOG_OK(3)
	VMOVMSKPD Y4, AX
	CMPL AX, $15
	JNE one
	LOG_A(0)
	LOG_A(1)
	LOG_A(2)
	LOG_A(3)
	LOG_B(0)
	LOG_B(1)
	LOG_B(2)
	LOG_B(3)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP loop16
one:
	CMPQ CX, $4
	JL tail
	VMOVUPD (SI), Y0
	VCMPPD $GE, K(C_MINNORM), Y0, Y1
	VCMPPD $LT, K(C_INF), Y0, Y2
	VANDPD Y2, Y1, Y1
	VMOVMSKPD Y1, AX
	CMPL AX, $15
	JNE wide
	LOG_SPLIT(Y0)
	LOG_BODY
	VMOVUPD Y9, (DI)
	NEXT
	SUBQ $4, CX
	JMP loop16
wide:
	LOG_WIDE
	VMOVUPD Y9, (DI)
	NEXT
	SUBQ $4, CX
	JMP loop16
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	LOG_WIDE
	VMASKMOVPD Y9, Y14, (DI)
done:
	VZEROUPPER
	RET

// Log1p runs as the logistic kernels do (see logistic_amd64.s): blocks of
// 16 elements in (-1, +Inf) in two passes, vectors in interleaved pairs,
// and every other vector through the same steps alone. Frame: 128 bytes
// per vector of a block, s = i·128: f at s, s at s+32, k at s+64 and
// k·ln2Lo + c/u at s+96; the last partial vector's x waits at 512.

// L1P_A computes the first half of log1pParts for x at o(b), with Y15 = 1:
// U = 1 + x and its error C by two-sum, C/U, then k = E and f = F from U,
// f = x and c = 0 where k = 0, s = f/(2 + f) into U and k·ln2Lo + c/u
// into C, and keeps f, s, k and C in slot sl. T is a temporary.
#define L1P_A(o, b, sl, X, U, T, C, E, F) \
	VMOVUPD (o)(b), X; \
	VADDPD Y15, X, U; \
	VSUBPD Y15, U, T; \
	VSUBPD T, U, C; \
	VSUBPD C, Y15, C; \
	VSUBPD T, X, T; \
	VADDPD T, C, C; \
	VDIVPD U, C, C; \
	VPADDQ K(C_LOGOFF), U, F; \
	VPSRLQ $52, F, E; \
	VPOR K(C_EXP52), E, E; \
	VSUBPD K(C_BIASMAG), E, E; \
	VPAND K(C_MANT), F, F; \
	VPADDQ K(C_SQRTHALF), F, F; \
	VSUBPD Y15, F, F; \
	VCMPPD $EQ, K(C_ZERO), E, T; \
	VBLENDVPD T, X, F, F; \
	VANDNPD C, T, C; \
	VADDPD K(C_TWO), F, U; \
	VDIVPD U, F, U; \
	VFMADD231PD K(C_LN2LO), E, C; \
	VMOVUPD F, (sl)(SP); \
	VMOVUPD U, (sl+32)(SP); \
	VMOVUPD E, (sl+64)(SP); \
	VMOVUPD C, (sl+96)(SP)

// L1P_IN clears in Y14 the lanes where X = x is not in (-1, +Inf).
#define L1P_IN(X, T) \
	VCMPPD $GT, K(C_MINUS1), X, T; \
	VANDPD T, Y14, Y14; \
	VCMPPD $LT, K(C_INF), X, T; \
	VANDPD T, Y14, Y14

// L1P_B finishes the vector of slot sl, x at o(b), into P: inner =
// (hfsq - (s·(hfsq + z·Q) + k·ln2Lo + c/u)) - f, then k·ln2Hi - inner with
// the sign of x, which ln(1 + x) has for every x > -1: that turns +0 into
// -0 for x = -0 and changes nothing else.
#define L1P_B(sl, o, b, F, S, Z, H, Z2, P, Q) \
	VMOVUPD (sl)(SP), F; \
	VMOVUPD (sl+32)(SP), S; \
	LOG_POLY1(F, S, Z, H, Z2, P, Q); \
	LOG_POLY2(Z, H, Z2, P, Q); \
	VFMADD213PD (sl+96)(SP), S, P; \
	VSUBPD P, H, P; \
	VSUBPD F, P, P; \
	VMOVUPD (sl+64)(SP), H; \
	VFMSUB231PD K(C_LN2HI), H, P; \
	VMOVUPD (o)(b), Z; \
	VANDPD K(C_SIGN), Z, Z; \
	VORPD Z, P, P

// L1P_ONE computes a lone vector, x at o(b), into Y5.
#define L1P_ONE(o, b) \
	L1P_A(o, b, 0, Y0, Y1, Y2, Y3, Y4, Y5); \
	L1P_B(0, o, b, Y0, Y1, Y2, Y3, Y4, Y5, Y6)

// L1P_SPECIAL blends the special cases into Y5 from Y13 = x: -Inf for -1,
// NaN below -1, x itself for +Inf and NaN.
#define L1P_SPECIAL \
	VCMPPD $EQ, K(C_MINUS1), Y13, Y6; \
	VBLENDVPD Y6, K(C_NEGINF), Y5, Y5; \
	VCMPPD $LT, K(C_MINUS1), Y13, Y6; \
	VBLENDVPD Y6, K(C_NAN), Y5, Y5; \
	VCMPPD $UNORD, Y13, Y13, Y6; \
	VCMPPD $EQ, K(C_INF), Y13, Y7; \
	VORPD Y7, Y6, Y6; \
	VBLENDVPD Y6, Y13, Y5, Y5

// L1P_A_PAIR and L1P_B_PAIR run the vectors i and j of a block.
#define L1P_A_PAIR(i, j) \
	L1P_A(i*32, SI, i*128, Y0, Y1, Y2, Y3, Y4, Y5); \
	L1P_A(j*32, SI, j*128, Y7, Y8, Y9, Y10, Y11, Y12); \
	L1P_IN(Y0, Y6); \
	L1P_IN(Y7, Y13)

#define L1P_B_PAIR(i, j) \
	L1P_B(i*128, i*32, SI, Y0, Y1, Y2, Y3, Y4, Y5, Y6); \
	L1P_B(j*128, j*32, SI, Y7, Y8, Y9, Y10, Y11, Y12, Y13); \
	VMOVUPD Y5, (i*32)(DI); \
	VMOVUPD Y12, (j*32)(DI)

// func log1pAVX2(dst, x []float64)
TEXT ·log1pAVX2(SB), $544-48
	PROLOGUE
block:
	CMPQ CX, $16
	JL one
	VPCMPEQQ Y14, Y14, Y14
	L1P_A_PAIR(0, 1)
	L1P_A_PAIR(2, 3)
	VMOVMSKPD Y14, AX
	CMPL AX, $15
	JNE one
	L1P_B_PAIR(0, 1)
	L1P_B_PAIR(2, 3)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP block
one:
	CMPQ CX, $4
	JL tail
	VMOVUPD (SI), Y13
	VPCMPEQQ Y14, Y14, Y14
	L1P_IN(Y13, Y0)
	L1P_ONE(0, SI)
	VMOVMSKPD Y14, AX
	CMPL AX, $15
	JEQ store
	L1P_SPECIAL
store:
	VMOVUPD Y5, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP block
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y13
	VMOVUPD Y13, 512(SP)
	L1P_ONE(512, SP)
	L1P_SPECIAL
	VMASKMOVPD Y5, Y14, (DI)
done:
	VZEROUPPER
	RET
