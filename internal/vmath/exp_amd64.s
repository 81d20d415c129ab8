//go:build amd64 && !purego

#include "textflag.h"
#include "vmath_amd64.h"

// EXP_WIDE sets Y6 = eˣ for Y0 = x of any value, as expWide: x is clamped
// to [-746, 710] (NaN reads as -746), 2ᵏ is applied as two factors, and
// NaN lanes return x.
#define EXP_WIDE \
	VMOVAPD Y0, Y13; \
	VMAXPD K(C_CLAMPLO), Y0, Y0; \
	VMINPD K(C_CLAMPHI), Y0, Y0; \
	EXP_PARTS; \
	EXP_HI; \
	SCALE_WIDE; \
	VMULPD Y8, Y6, Y6; \
	VMULPD Y9, Y6, Y6; \
	VCMPPD $UNORD, Y13, Y13, Y10; \
	VBLENDVPD Y10, Y13, Y6, Y6

// func expAVX2(dst, x []float64)
//
// Vectors whose lanes all lie within ±708 take the short path, scaling by
// the exponent bits; any other vector, and the last partial one, takes
// EXP_WIDE.
TEXT ·expAVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	VANDPD K(C_ABS), Y0, Y1
	VCMPPD $LE, K(C_EXPFAST), Y1, Y1
	VMOVMSKPD Y1, AX
	CMPL AX, $15
	JNE wide
	EXP_PARTS
	EXP_HI
	SCALE_FAST
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
wide:
	EXP_WIDE
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	EXP_WIDE
	VMASKMOVPD Y6, Y14, (DI)
done:
	VZEROUPPER
	RET

// EXPM1 sets Y6 = eˣ - 1 for Y0 = x of any value, as expm1: x is clamped
// to [-45, 710], and lanes below 2⁻⁵⁴ in magnitude (zeros, subnormals, NaN)
// return x.
#define EXPM1 \
	VMOVAPD Y0, Y13; \
	VMAXPD K(C_M45), Y0, Y0; \
	VMINPD K(C_CLAMPHI), Y0, Y0; \
	EXP_PARTS_SQ; \
	EXPM1_HALF; \
	VADDPD Y6, Y6, Y6; \
	VANDPD K(C_ABS), Y13, Y10; \
	VCMPPD $NGE, K(C_TINY), Y10, Y10; \
	VBLENDVPD Y10, Y13, Y6, Y6

// func expm1AVX2(dst, x []float64)
TEXT ·expm1AVX2(SB), NOSPLIT, $0-48
	PROLOGUE
loop:
	SUBQ $4, CX
	JL tail
	VMOVUPD (SI), Y0
	EXPM1
	VMOVUPD Y6, (DI)
	NEXT
	JMP loop
tail:
	ADDQ $4, CX
	JZ done
	TAILMASK
	VMASKMOVPD (SI), Y14, Y0
	EXPM1
	VMASKMOVPD Y6, Y14, (DI)
done:
	VZEROUPPER
	RET
