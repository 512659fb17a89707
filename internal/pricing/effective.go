package pricing

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// The effective rate is computed in binary fixed point on big.Int: exact
// integer arithmetic with k fractional bits. It is about three times faster
// than decimal's general PowWithPrecision, which the tests use as the
// oracle. No floating point is involved.

// baseBits is the working precision for ordinary rates; guardBits is the
// absolute precision the result keeps, 2^-90 ≈ 1e-27, far below the last
// quoted decimal.
const (
	baseBits  = 128
	guardBits = 90
)

var (
	ln2Base     = ln2(baseBits)
	rateScale   = decimal.New(1, RateDecimals).BigInt()
	daysPerYear = big.NewInt(365)
)

// effectiveRate is (face/net)^(365/days) - 1, that is (1 + D/P)^(365/days) - 1,
// computed as exp(365/days × ln(face/net)) - 1 and rounded half up to
// RateDecimals. The working error stays below 2^-guardBits, so only a value
// that close to a half-step of the last decimal could round the other way.
func effectiveRate(face, net decimal.Decimal, days int) decimal.Decimal {
	// Both to integers with one exponent: the ratio is unchanged.
	e := min(face.Exponent(), net.Exponent())
	f, p := face.Shift(-e).BigInt(), net.Shift(-e).BigInt()
	k, l2 := uint(baseBits), ln2Base
	for {
		x := fixed{k: k}
		r, n := x.expm1Pow(f, p, int64(days), l2)
		// The result is below 2^(n+1); it needs n integer bits on top of the
		// guard and the ~30 bits the series and squarings may lose.
		if need := uint(n) + guardBits + 30; need > k {
			k, l2 = need, ln2(need)
			continue
		}
		r.Mul(r, rateScale)
		r.Add(r, shl(1, k-1)) // half up
		return decimal.NewFromBigInt(r.Rsh(r, k), -RateDecimals)
	}
}

// fixed is arithmetic on integers read as value / 2^k, with scratch space
// reused across steps: big.Int allocates whenever a result aliases an operand.
type fixed struct {
	k             uint
	tmp, div, rem big.Int
}

// shl is v·2^by.
func shl(v int64, by uint) *big.Int { return new(big.Int).Lsh(big.NewInt(v), by) }

// mul sets z = a·b / 2^k.
func (x *fixed) mul(z, a, b *big.Int) { z.Rsh(x.tmp.Mul(a, b), x.k) }

// quo sets z = a / i for a small integer i. QuoRem with a kept remainder:
// Quo would allocate one for every call.
func (x *fixed) quo(z, a *big.Int, i int64) { z.QuoRem(a, x.div.SetInt64(i), &x.rem) }

// expm1Pow returns (f/p)^(365/days) - 1 in fixed point, and n with the
// result below 2^(n+1). f >= p > 0.
func (x *fixed) expm1Pow(f, p *big.Int, days int64, l2 *big.Int) (*big.Int, int64) {
	// f/p = m·2^j with m in [1, 2), so ln(f/p) = ln m + j·ln 2.
	j := f.BitLen() - p.BitLen()
	p2 := new(big.Int).Lsh(p, uint(j))
	if p2.Cmp(f) > 0 {
		j--
		p2.Rsh(p2, 1)
	}
	num := new(big.Int).Sub(f, p2)
	t := x.atanh2(num, p2.Add(p2, f))
	t.Add(t, x.tmp.Mul(x.div.SetInt64(int64(j)), l2))
	// t = ln(f/p) × 365 / days = n·ln 2 + r with r in [0, ln 2).
	t.Quo(x.tmp.Mul(t, daysPerYear), x.div.SetInt64(days))
	n, r := new(big.Int).QuoRem(t, l2, new(big.Int))
	// exp(r) - 1 by Taylor on r/2^h, doubled back h times with
	// e^(2y) - 1 = s(s + 2), which never subtracts nearly equal numbers.
	const h = 6
	r.Rsh(r, h)
	s, term := new(big.Int).Set(r), new(big.Int).Set(r)
	for i := int64(2); ; i++ {
		x.mul(term, term, r)
		x.quo(term, term, i)
		if term.Sign() == 0 {
			break
		}
		s.Add(s, term)
	}
	two := shl(2, x.k)
	for range h {
		x.mul(s, s, term.Add(s, two))
	}
	// (1 + s)·2^n - 1
	one := shl(1, x.k)
	s.Add(s, one).Lsh(s, uint(n.Int64())).Sub(s, one)
	return s, n.Int64()
}

// atanh2 is 2·atanh(num/den) = ln((den+num)/(den-num)) in fixed point, for
// 0 <= num/den <= 1/3, where the series gains over three bits a term.
func (x *fixed) atanh2(num, den *big.Int) *big.Int {
	z := new(big.Int).Lsh(num, x.k)
	z.Quo(z, den)
	z2 := new(big.Int)
	x.mul(z2, z, z)
	sum, pow, term := new(big.Int).Set(z), new(big.Int).Set(z), new(big.Int)
	for i := int64(3); ; i += 2 {
		x.mul(pow, pow, z2)
		if pow.Sign() == 0 {
			break
		}
		x.quo(term, pow, i)
		sum.Add(sum, term)
	}
	return sum.Lsh(sum, 1)
}

// ln2 is ln 2 = 2·atanh(1/3) in fixed point k.
func ln2(k uint) *big.Int {
	x := fixed{k: k}
	return x.atanh2(big.NewInt(1), big.NewInt(3))
}
