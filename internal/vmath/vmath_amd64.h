// Shared by the vmath assembly kernels: indices of the constants in ·vecTab
// (consts_amd64.go; a test checks both lists agree) and the macros for the
// steps the kernels have in common.
//
// Register use is fixed across the kernels: Y13 keeps the input x, Y14 the
// lane mask of a partial last vector, Y15 the constant 1.0; the macros
// touch only Y0–Y12, except those that take their registers as arguments.

#define C_ONE 0
#define C_HALF 1
#define C_TWO 2
#define C_ABS 3
#define C_SIGN 4
#define C_LANES 5
#define C_LOG2E 6
#define C_MAGIC 7
#define C_LN2HI 8
#define C_LN2LO 9
#define C_P10 10
#define C_P9 11
#define C_P8 12
#define C_P7 13
#define C_P6 14
#define C_P5 15
#define C_P4 16
#define C_P3 17
#define C_P2 18
#define C_P1 19
#define C_P0 20
#define C_EXPFAST 21
#define C_CLAMPHI 22
#define C_CLAMPLO 23
#define C_TINY 24
#define C_M45 25
#define C_TWENTY 26
#define C_Q7 27
#define C_Q6 28
#define C_Q5 29
#define C_Q4 30
#define C_Q3 31
#define C_Q2 32
#define C_Q1 33
#define C_Q0 34
#define C_LOGOFF 35
#define C_MANT 36
#define C_SQRTHALF 37
#define C_EXP52 38
#define C_BIASMAG 39
#define C_MINNORM 40
#define C_2P52 41
#define C_52 42
#define C_INF 43
#define C_NEGINF 44
#define C_NAN 45
#define C_MINUS1 46
#define C_SQRT2 47
#define C_ZERO 48
#define C_NEGFAST 49
#define C_LN2 50
#define C_LN2TAIL 51

#define K(c) ·vecTab+(c*32)(SB)

// Comparison predicates of VCMPPD.
#define EQ 0x00
#define LT 0x01
#define LE 0x02
#define UNORD 0x03
#define NGE 0x09
#define GE 0x0D
#define GT 0x0E

// PROLOGUE loads the arguments of func(dst, x []float64): DI = &dst[0],
// SI = &x[0], CX = len(dst); and 1.0 into Y15.
#define PROLOGUE \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), CX; \
	MOVQ x_base+24(FP), SI; \
	VMOVUPD K(C_ONE), Y15

// TAILMASK sets Y14 to the lanes below CX (1 to 3).
#define TAILMASK \
	MOVQ CX, X14; \
	VPBROADCASTQ X14, Y14; \
	VPCMPGTQ K(C_LANES), Y14, Y14

// NEXT advances to the next four elements.
#define NEXT \
	ADDQ $32, SI; \
	ADDQ $32, DI

// EXP_REDUCE reduces Y0 = x (|x| ≤ 746) as expReduce: Y1 = magic + k,
// Y2 = k, Y5 = r, Y3 = rho, Y6 = P'(r) by Estrin's scheme, whose short
// dependency chains let several vectors overlap; Y7 = r², Y8 = r⁴.
// Clobbers Y4, Y9, Y10.
#define EXP_REDUCE \
	VMOVUPD K(C_MAGIC), Y1; \
	VFMADD231PD K(C_LOG2E), Y0, Y1; \
	VSUBPD K(C_MAGIC), Y1, Y2; \
	VMOVAPD Y0, Y3; \
	VFNMADD231PD K(C_LN2HI), Y2, Y3; \
	VMULPD K(C_LN2LO), Y2, Y4; \
	VSUBPD Y4, Y3, Y5; \
	VSUBPD Y5, Y3, Y3; \
	VSUBPD Y4, Y3, Y3; \
	VMULPD Y5, Y5, Y7; \
	VMULPD Y7, Y7, Y8; \
	VMOVUPD K(C_P2), Y6; \
	VFMADD213PD K(C_P1), Y5, Y6; \
	VMOVUPD K(C_P4), Y4; \
	VFMADD213PD K(C_P3), Y5, Y4; \
	VFMADD231PD Y4, Y7, Y6; \
	VMOVUPD K(C_P6), Y9; \
	VFMADD213PD K(C_P5), Y5, Y9; \
	VMOVUPD K(C_P8), Y4; \
	VFMADD213PD K(C_P7), Y5, Y4; \
	VFMADD231PD Y4, Y7, Y9; \
	VMOVUPD K(C_P10), Y10; \
	VFMADD213PD K(C_P9), Y5, Y10; \
	VFMADD231PD Y10, Y8, Y9; \
	VFMADD231PD Y9, Y8, Y6

// EXP_PARTS reduces Y0 = x as expParts: Y1 = magic + k, Y2 = k, Y5 = r,
// Y3 = lo, with 1 + r + lo = e^(x - k·ln2). Clobbers Y4, Y6–Y10.
#define EXP_PARTS \
	EXP_REDUCE; \
	VFMADD213PD K(C_P0), Y5, Y6; \
	VMULPD Y7, Y6, Y6; \
	VFMADD213PD Y3, Y5, Y3; \
	VADDPD Y6, Y3, Y3

// EXP_PARTS_SQ is EXP_PARTS with r²/2 summed exactly, as expPartsSq; the
// rounding error of r² comes from a fused multiply-subtract. Clobbers Y4,
// Y6–Y10.
#define EXP_PARTS_SQ \
	EXP_REDUCE; \
	VMOVAPD Y7, Y4; \
	VFMSUB231PD Y5, Y5, Y4; \
	VMULPD Y5, Y7, Y8; \
	VMULPD Y8, Y6, Y6; \
	VFMADD231PD K(C_HALF), Y4, Y6; \
	VFMADD213PD Y3, Y5, Y3; \
	VADDPD Y6, Y3, Y3; \
	VFMADD231PD K(C_HALF), Y7, Y3

// EXP_HI follows EXP_PARTS with Y6 = 1 + r + lo, summed as expHiLo does:
// Y7 = 1 + r rounded, Y3 the low part added to it. Clobbers Y4.
#define EXP_HI \
	VADDPD Y15, Y5, Y7; \
	VSUBPD Y7, Y15, Y4; \
	VADDPD Y5, Y4, Y4; \
	VADDPD Y4, Y3, Y3; \
	VADDPD Y3, Y7, Y6

// SCALE_FAST multiplies Y6 by 2ᵏ through its exponent bits (the result must
// be normal) and leaves k shifted into the exponent field in Y1.
#define SCALE_FAST \
	VPSLLQ $52, Y1, Y1; \
	VPADDQ Y1, Y6, Y6

// SCALE_WIDE sets Y8 = 2^k1 and Y9 = 2^(k-k1), k1 = trunc(k/2), from Y2 = k
// in [-1076, 1024]: two normal factors whose product rounds only once.
#define SCALE_WIDE \
	VMULPD K(C_HALF), Y2, Y8; \
	VROUNDPD $3, Y8, Y8; \
	VSUBPD Y8, Y2, Y9; \
	VADDPD K(C_MAGIC), Y8, Y8; \
	VPSLLQ $52, Y8, Y8; \
	VPADDQ Y15, Y8, Y8; \
	VADDPD K(C_MAGIC), Y9, Y9; \
	VPSLLQ $52, Y9, Y9; \
	VPADDQ Y15, Y9, Y9

// EXPM1_HALF follows EXP_PARTS_SQ with Y6 + Y7 = (eˣ - 1)/2, as expm1Half.
// Clobbers Y4, Y8–Y12.
#define EXPM1_HALF \
	VPSLLQ $52, Y1, Y8; \
	VPADDQ K(C_HALF), Y8, Y8; \
	VSUBPD K(C_HALF), Y8, Y9; \
	VSUBPD Y9, Y8, Y10; \
	VSUBPD K(C_HALF), Y10, Y10; \
	VMULPD Y5, Y8, Y11; \
	VADDPD Y11, Y9, Y12; \
	VSUBPD Y9, Y12, Y4; \
	VSUBPD Y4, Y11, Y4; \
	VFMADD231PD Y8, Y3, Y10; \
	VADDPD Y10, Y4, Y4; \
	VADDPD Y4, Y12, Y6; \
	VSUBPD Y12, Y6, Y7; \
	VSUBPD Y7, Y4, Y7

// DIV_HILO sets Y6 = (Y6 + Y7)/(Y8 + Y10), rounded about once, as divHiLo.
// Clobbers Y7, Y11, Y12.
#define DIV_HILO \
	VDIVPD Y8, Y15, Y11; \
	VMULPD Y11, Y6, Y12; \
	VFNMADD231PD Y12, Y8, Y6; \
	VFNMADD231PD Y12, Y10, Y7; \
	VADDPD Y7, Y6, Y6; \
	VFMADD213PD Y12, Y11, Y6

// LOG_SPLIT writes u (register src, positive normal) as 2ᵏ·(1 + f):
// Y2 = k, Y1 = f, as split does.
#define LOG_SPLIT(src) \
	VPADDQ K(C_LOGOFF), src, Y1; \
	VPSRLQ $52, Y1, Y2; \
	VPOR K(C_EXP52), Y2, Y2; \
	VSUBPD K(C_BIASMAG), Y2, Y2; \
	VPAND K(C_MANT), Y1, Y1; \
	VPADDQ K(C_SQRTHALF), Y1, Y1; \
	VSUBPD Y15, Y1, Y1

// LOG_HFSQ_S sets Y7 = f²/2 and Y8 = s = f/(2 + f) from Y1 = f.
#define LOG_HFSQ_S \
	VMULPD Y1, Y1, Y7; \
	VMULPD K(C_HALF), Y7, Y7; \
	VADDPD K(C_TWO), Y1, Y8; \
	VDIVPD Y8, Y1, Y8

// LOG_TAIL sets Y9 = s·(hfsq + z·Q(z)), z = s², from Y8 = s and
// Y7 = hfsq, as logTail, Q by Estrin's scheme. Clobbers Y5, Y10–Y12.
#define LOG_TAIL \
	VMULPD Y8, Y8, Y10; \
	VMULPD Y10, Y10, Y11; \
	VMOVUPD K(C_Q1), Y9; \
	VFMADD213PD K(C_Q0), Y10, Y9; \
	VMOVUPD K(C_Q3), Y12; \
	VFMADD213PD K(C_Q2), Y10, Y12; \
	VFMADD231PD Y12, Y11, Y9; \
	VMOVUPD K(C_Q5), Y12; \
	VFMADD213PD K(C_Q4), Y10, Y12; \
	VMOVUPD K(C_Q7), Y5; \
	VFMADD213PD K(C_Q6), Y10, Y5; \
	VFMADD231PD Y5, Y11, Y12; \
	VMULPD Y11, Y11, Y11; \
	VFMADD231PD Y12, Y11, Y9; \
	VFMADD213PD Y7, Y10, Y9; \
	VMULPD Y8, Y9, Y9

// LOG_INNER sets Y9 = inner = (hfsq - Y9) - f from Y1 = f and Y7 = hfsq,
// where Y9 holds the tail plus k·ln2Lo and any correction; the logarithm is
// k·ln2Hi - inner.
#define LOG_INNER \
	VSUBPD Y9, Y7, Y9; \
	VSUBPD Y1, Y9, Y9

// LOG_FINISH sets Y9 = k·ln2Hi - inner, k in Y2.
#define LOG_FINISH \
	LOG_INNER; \
	VFMSUB231PD K(C_LN2HI), Y2, Y9

// LOG_POLY1 and LOG_POLY2 set P = hfsq + z·Q(z), which LOG_TAIL multiplies
// by s, and H = hfsq, from F = f and S = s, in the registers that their
// arguments name, for kernels that interleave two vectors. Q is taken as
// pairs in z joined by Horner's scheme in z², Q = (Q0 + Q1·z) +
// z²·((Q2 + Q3·z) + z²·(…)), which needs neither z⁴ nor more registers
// than Estrin's.
#define LOG_POLY1(F, S, Z, H, Z2, P, Q) \
	VMULPD S, S, Z; \
	VMULPD F, F, H; \
	VMULPD K(C_HALF), H, H; \
	VMULPD Z, Z, Z2; \
	VMOVUPD K(C_Q7), P; \
	VFMADD213PD K(C_Q6), Z, P; \
	VMOVUPD K(C_Q5), Q; \
	VFMADD213PD K(C_Q4), Z, Q; \
	VFMADD213PD Q, Z2, P

#define LOG_POLY2(Z, H, Z2, P, Q) \
	VMOVUPD K(C_Q3), Q; \
	VFMADD213PD K(C_Q2), Z, Q; \
	VFMADD213PD Q, Z2, P; \
	VMOVUPD K(C_Q1), Q; \
	VFMADD213PD K(C_Q0), Z, Q; \
	VFMADD213PD Q, Z2, P; \
	VFMADD213PD H, Z, P
