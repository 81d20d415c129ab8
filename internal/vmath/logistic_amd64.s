//go:build amd64 && !purego

#include "textflag.h"
#include "vmath_amd64.h"

// The logistic kernels start from u = e^-|x| held as Y6 + Y3 (uh + ul).
// Their short paths take vectors whose lanes all lie within ±708, where u
// is normal; the wide paths clamp -|x| at -746, scale by two factors and
// drop ul in the lanes beyond ±708, where it is below the result's
// precision, so that those lanes equal the scalar kernels' shortcuts.

// NEG_EXP_FAST sets Y13 = x and Y6 + Y3 = e^-|x| for Y0 = x, |x| ≤ 708.
#define NEG_EXP_FAST \
	VMOVAPD Y0, Y13; \
	VORPD K(C_SIGN), Y0, Y0; \
	EXP_PARTS; \
	EXP_HI; \
	EXP_LO; \
	SCALE_FAST; \
	VPADDQ Y15, Y1, Y1; \
	VMULPD Y1, Y3, Y3

// NEG_EXP_WIDE is NEG_EXP_FAST for Y0 = x of any value.
#define NEG_EXP_WIDE \
	VMOVAPD Y0, Y13; \
	VANDPD K(C_ABS), Y0, Y0; \
	VCMPPD $LE, K(C_EXPFAST), Y0, Y12; \
	VORPD K(C_SIGN), Y0, Y0; \
	VMAXPD K(C_CLAMPLO), Y0, Y0; \
	EXP_PARTS; \
	EXP_HI; \
	EXP_LO; \
	VANDPD Y12, Y3, Y3; \
	SCALE_WIDE; \
	VMULPD Y8, Y6, Y6; \
	VMULPD Y9, Y6, Y6; \
	VMULPD Y8, Y3, Y3; \
	VMULPD Y9, Y3, Y3

// FAST_CHECK jumps to wide unless all lanes of Y0 lie within ±708.
#define FAST_CHECK(wide) \
	VANDPD K(C_ABS), Y0, Y1; \
	VCMPPD $LE, K(C_EXPFAST), Y1, Y1; \
	VMOVMSKPD Y1, AX; \
	CMPL AX, $15; \
	JNE wide

// NAN_BLEND returns x (Y13) in the NaN lanes of register r.
#define NAN_BLEND(r) \
	VCMPPD $UNORD, Y13, Y13, Y10; \
	VBLENDVPD Y10, Y13, r, r

// NAN_INF_BLEND returns x (Y13) in the NaN and +Inf lanes of Y9.
#define NAN_INF_BLEND \
	VCMPPD $UNORD, Y13, Y13, Y10; \
	VCMPPD $EQ, K(C_INF), Y13, Y11; \
	VORPD Y11, Y10, Y10; \
	VBLENDVPD Y10, Y13, Y9, Y9

// SIGMOID_TAIL sets Y6 = n/(1 + u), n = 1 for x ≥ 0 and u for x < 0, from
// u = Y6 + Y3, as sigmoid.
#define SIGMOID_TAIL \
	VADDPD Y15, Y6, Y8; \
	VSUBPD Y8, Y15, Y10; \
	VADDPD Y6, Y10, Y10; \
	VADDPD Y3, Y10, Y10; \
	VXORPD Y9, Y9, Y9; \
	VCMPPD $LT, Y9, Y13, Y9; \
	VANDPD Y3, Y9, Y7; \
	VBLENDVPD Y9, Y6, Y15, Y6; \
	DIV_HILO

// func sigmoidAVX2(dst, x []float64)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	FAST_CHECK(wide)
	NEG_EXP_FAST
	SIGMOID_TAIL
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
wide:
	NEG_EXP_WIDE
	SIGMOID_TAIL
	NAN_BLEND(Y6)
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	NEG_EXP_WIDE
	SIGMOID_TAIL
	NAN_BLEND(Y6)
	VMASKMOVPD Y6, Y14, (DI)
done:
	VZEROUPPER
	RET

// SOFTPLUS_TAIL sets Y9 = max(x, 0) + ln(1 + u) from u = Y6 + Y3, as
// softplus: m = max(x, 0) and k·ln2Hi are summed exactly into Y3 + Y5,
// then inner is subtracted. VMAXPD returns its second operand, +0, for
// x = ±0. The two-sum turns x = +Inf into NaN, which the wide path's
// NAN_INF_BLEND mends.
#define SOFTPLUS_TAIL \
	VMOVAPD Y6, Y0; \
	LOG1P_INNER; \
	VXORPD Y1, Y1, Y1; \
	VMAXPD Y1, Y13, Y1; \
	VMULPD K(C_LN2HI), Y2, Y2; \
	VADDPD Y2, Y1, Y3; \
	VSUBPD Y1, Y3, Y4; \
	VSUBPD Y4, Y3, Y5; \
	VSUBPD Y5, Y1, Y5; \
	VSUBPD Y4, Y2, Y4; \
	VADDPD Y4, Y5, Y5; \
	VSUBPD Y9, Y5, Y5; \
	VADDPD Y5, Y3, Y9

// func softplusAVX2(dst, x []float64)
TEXT ·softplusAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	FAST_CHECK(wide)
	NEG_EXP_FAST
	SOFTPLUS_TAIL
	VMOVUPD Y9, (DI)
	NEXT
	JMP loop
wide:
	NEG_EXP_WIDE
	SOFTPLUS_TAIL
	NAN_INF_BLEND
	VMOVUPD Y9, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	NEG_EXP_WIDE
	SOFTPLUS_TAIL
	NAN_INF_BLEND
	VMASKMOVPD Y9, Y14, (DI)
done:
	VZEROUPPER
	RET

// func logSigmoidAVX2(dst, x []float64)
//
// -softplus(-x): the sign of each element is flipped on the way in and on
// the way out.
TEXT ·logSigmoidAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	VXORPD K(C_SIGN), Y0, Y0
	FAST_CHECK(wide)
	NEG_EXP_FAST
	SOFTPLUS_TAIL
	VXORPD K(C_SIGN), Y9, Y9
	VMOVUPD Y9, (DI)
	NEXT
	JMP loop
wide:
	NEG_EXP_WIDE
	SOFTPLUS_TAIL
	NAN_INF_BLEND
	VXORPD K(C_SIGN), Y9, Y9
	VMOVUPD Y9, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	VXORPD K(C_SIGN), Y0, Y0
	NEG_EXP_WIDE
	SOFTPLUS_TAIL
	NAN_INF_BLEND
	VXORPD K(C_SIGN), Y9, Y9
	VMASKMOVPD Y9, Y14, (DI)
done:
	VZEROUPPER
	RET

// TANH sets Y6 = tanh x for Y0 = x of any value, as tanh: |x| is clamped
// at 20 (NaN reads as 20 and is blended back), n = (e²ᵃ - 1)/2 = Y6 + Y7,
// d = n + 1 = Y8 + Y10 by two-sum, and the sign of x is put back.
#define TANH \
	VMOVAPD Y0, Y13; \
	VANDPD K(C_ABS), Y0, Y0; \
	VMINPD K(C_TWENTY), Y0, Y0; \
	VADDPD Y0, Y0, Y0; \
	EXP_PARTS_SQ; \
	EXPM1_HALF; \
	VADDPD Y15, Y6, Y8; \
	VSUBPD Y6, Y8, Y9; \
	VSUBPD Y9, Y8, Y10; \
	VSUBPD Y10, Y6, Y10; \
	VSUBPD Y9, Y15, Y11; \
	VADDPD Y11, Y10, Y10; \
	VADDPD Y7, Y10, Y10; \
	DIV_HILO; \
	VANDPD K(C_SIGN), Y13, Y10; \
	VORPD Y10, Y6, Y6; \
	NAN_BLEND(Y6)

// func tanhAVX2(dst, x []float64)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	TANH
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	TANH
	VMASKMOVPD Y6, Y14, (DI)
done:
	VZEROUPPER
	RET
