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

// LOG1P_ZERO returns x itself in the lanes where Y0 = x is ±0.
#define LOG1P_ZERO \
	VXORPD Y5, Y5, Y5; \
	VCMPPD $EQ, Y5, Y0, Y5; \
	VBLENDVPD Y5, Y0, Y9, Y9

// LOG1P_WIDE sets Y9 = ln(1 + x) for Y0 = x of any value, blending in the
// special cases: x itself for ±0, +Inf and NaN, -Inf for -1, NaN below -1.
#define LOG1P_WIDE \
	VMOVAPD Y0, Y13; \
	VXORPD Y3, Y3, Y3; \
	LOG1P_CORE; \
	LOG1P_ZERO; \
	VCMPPD $EQ, K(C_MINUS1), Y13, Y6; \
	VBLENDVPD Y6, K(C_NEGINF), Y9, Y9; \
	VCMPPD $LT, K(C_MINUS1), Y13, Y6; \
	VBLENDVPD Y6, K(C_NAN), Y9, Y9; \
	VCMPPD $UNORD, Y13, Y13, Y6; \
	VCMPPD $EQ, K(C_INF), Y13, Y7; \
	VORPD Y7, Y6, Y6; \
	VBLENDVPD Y6, Y13, Y9, Y9

// func log1pAVX2(dst, x []float64)
//
// Vectors whose lanes all lie in (-1, +Inf) take LOG1P_CORE; any other
// vector, and the last partial one, takes LOG1P_WIDE.
TEXT ·log1pAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	VCMPPD $GT, K(C_MINUS1), Y0, Y1
	VCMPPD $LT, K(C_INF), Y0, Y2
	VANDPD Y2, Y1, Y1
	VMOVMSKPD Y1, AX
	CMPL AX, $15
	JNE wide
	VXORPD Y3, Y3, Y3
	LOG1P_CORE
	LOG1P_ZERO
	VMOVUPD Y9, (DI)
	NEXT
	JMP loop
wide:
	LOG1P_WIDE
	VMOVUPD Y9, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	LOG1P_WIDE
	VMASKMOVPD Y9, Y14, (DI)
done:
	VZEROUPPER
	RET
