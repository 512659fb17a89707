// Package natsauth issues Cadena's NATS credentials with decentralised JWT
// auth ("operator mode"). An operator key signs two accounts: CADENA, where
// the platform and the event stream live, and CADENA_LENDERS, which imports
// from CADENA only what lenders use. Each account's signing key signs user
// JWTs: the platform's, and one per lender whose permissions name only that
// lender's subjects. A server that trusts the operator (embedded, or an
// external cluster given `cadena nats-config`) accepts every credential
// signed this way without a config change per lender. docs/nats.md describes
// subjects and permissions.
package natsauth

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Account names. The platform and the CADENA stream live in AccountName;
// every lender lives in LendersAccountName, which imports from it only the
// few subjects lenders use (see lenderImports).
const (
	AccountName        = "CADENA"
	LendersAccountName = "CADENA_LENDERS"
)

// Seed files in the key folder. Each is created once (mode 0600) and never
// overwritten; deleting one and restarting rotates that key (docs/nats.md).
const (
	operatorFile       = "operator.nk"
	accountFile        = "account.nk"
	lendersAccountFile = "lenders-account.nk"
	systemFile         = "system.nk"
	platformSignerFile = "platform-signer.nk"
	lenderSignerFile   = "lender-signer.nk"
)

// Limits of a lender's connection: bids and acks are small, and a bank needs
// a handful of subscriptions.
const (
	lenderMaxPayload = 64 << 10
	lenderMaxSubs    = 256
)

// Trust holds the operator and account keys and the JWTs derived from them.
type Trust struct {
	operator, account, lenders, system nkeys.KeyPair
	platformSigner, lenderSign         nkeys.KeyPair
	accountPub, lendersPub, systemPub  string

	operatorClaims                              *jwt.OperatorClaims
	operatorJWT, accountJWT, lendersJWT, sysJWT string
	now                                         func() time.Time
}

// LoadOrCreate reads the seeds in dir, generating any that is missing, so a
// fresh checkout gets working credentials. Several processes sharing dir
// agree: a seed is written exclusively and re-read if another won the race.
func LoadOrCreate(dir string) (*Trust, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nats key dir: %w", err)
	}
	return load(dir, true)
}

// Load reads the seeds in dir and never creates one: credentials signed by
// keys the server does not hold would be refused. A missing seed is an
// error matching fs.ErrNotExist.
func Load(dir string) (*Trust, error) { return load(dir, false) }

func load(dir string, create bool) (*Trust, error) {
	t := &Trust{now: time.Now}
	keys := []struct {
		file   string
		prefix nkeys.PrefixByte
		kp     *nkeys.KeyPair
	}{
		{operatorFile, nkeys.PrefixByteOperator, &t.operator},
		{accountFile, nkeys.PrefixByteAccount, &t.account},
		{lendersAccountFile, nkeys.PrefixByteAccount, &t.lenders},
		{systemFile, nkeys.PrefixByteAccount, &t.system},
		{platformSignerFile, nkeys.PrefixByteAccount, &t.platformSigner},
		{lenderSignerFile, nkeys.PrefixByteAccount, &t.lenderSign},
	}
	for _, k := range keys {
		kp, err := loadKey(filepath.Join(dir, k.file), k.prefix, create)
		if err != nil {
			return nil, err
		}
		*k.kp = kp
	}
	if err := t.sign(); err != nil {
		return nil, err
	}
	return t, nil
}

func loadKey(path string, prefix nkeys.PrefixByte, create bool) (nkeys.KeyPair, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createKey(path, prefix)
	}
	if err != nil {
		return nil, fmt.Errorf("read nats key: %w", err)
	}
	kp, err := nkeys.FromSeed(bytes.TrimSpace(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if nkeys.Prefix(pub) != prefix {
		return nil, fmt.Errorf("%s: holds a %s key, want %s", path, nkeys.Prefix(pub), prefix)
	}
	return kp, nil
}

// createKey writes a new key to path, or reads the one another process
// created there first.
func createKey(path string, prefix nkeys.PrefixByte) (nkeys.KeyPair, error) {
	kp, err := nkeys.CreatePair(prefix)
	if err != nil {
		return nil, err
	}
	seed, err := kp.Seed()
	if err != nil {
		return nil, err
	}
	if err := writeNewFile(path, append(seed, '\n')); !errors.Is(err, fs.ErrExist) {
		if err != nil {
			return nil, err
		}
		return kp, nil
	}
	return loadKey(path, prefix, false)
}

// writeNewFile never overwrites: replacing a seed would invalidate every
// credential signed with it.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // best effort: the write error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// sign issues the operator and account JWTs. They are derived from the seeds
// on every load rather than stored, so a code change to the account's limits
// takes effect on the next start.
func (t *Trust) sign() error {
	opPub, err := t.operator.PublicKey()
	if err != nil {
		return err
	}
	if t.accountPub, err = t.account.PublicKey(); err != nil {
		return err
	}
	if t.lendersPub, err = t.lenders.PublicKey(); err != nil {
		return err
	}
	if t.systemPub, err = t.system.PublicKey(); err != nil {
		return err
	}
	platformPub, err := t.platformSigner.PublicKey()
	if err != nil {
		return err
	}
	lenderPub, err := t.lenderSign.PublicKey()
	if err != nil {
		return err
	}

	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "cadena"
	// A clustered JetStream needs a system account; nsc-made operators always have one.
	oc.SystemAccount = t.systemPub
	if t.operatorJWT, err = oc.Encode(t.operator); err != nil {
		return fmt.Errorf("operator jwt: %w", err)
	}
	if t.operatorClaims, err = jwt.DecodeOperatorClaims(t.operatorJWT); err != nil {
		return err
	}

	ac := jwt.NewAccountClaims(t.accountPub)
	ac.Name = AccountName
	// Users are signed by a signing key, never by the account key itself,
	// so the signer can be rotated without a new account.
	ac.SigningKeys.Add(platformPub)
	ac.Exports.Add(lenderExports()...)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{
		// Storage is bounded by the server (max_file_store, max_memory_store)
		// and the stream's 30-day MaxAge. A byte limit here would be reserved
		// up front and refuse to start on a server with less room.
		DiskStorage:   jwt.NoLimit,
		MemoryStorage: jwt.NoLimit,
		Streams:       64,
		Consumer:      jwt.NoLimit, // one per lender
		MaxAckPending: jwt.NoLimit,
	}
	if t.accountJWT, err = ac.Encode(t.operator); err != nil {
		return fmt.Errorf("account jwt: %w", err)
	}

	lc := jwt.NewAccountClaims(t.lendersPub)
	lc.Name = LendersAccountName
	// Lenders get no JetStream of their own; removing the lender signer from
	// this JWT revokes every lender at once and leaves the platform connected.
	lc.SigningKeys.Add(lenderPub)
	lc.Imports.Add(lenderImports(t.accountPub)...)
	if t.lendersJWT, err = lc.Encode(t.operator); err != nil {
		return fmt.Errorf("lenders account jwt: %w", err)
	}

	sc := jwt.NewAccountClaims(t.systemPub)
	sc.Name = "SYS"
	if t.sysJWT, err = sc.Encode(t.operator); err != nil {
		return fmt.Errorf("system account jwt: %w", err)
	}
	return nil
}

// AccountPublicKey identifies the CADENA account (servers name its JetStream
// store folder after it).
func (t *Trust) AccountPublicKey() string { return t.accountPub }

// ServerOptions makes opts trust the operator and preload the CADENA,
// CADENA_LENDERS and system accounts in a memory resolver. JetStream is
// enabled for CADENA by its JWT; opts.JetStream must still be set.
func (t *Trust) ServerOptions(opts *server.Options) {
	res := &server.MemAccResolver{}
	_ = res.Store(t.accountPub, t.accountJWT) // cannot fail: a sync.Map
	_ = res.Store(t.lendersPub, t.lendersJWT)
	_ = res.Store(t.systemPub, t.sysJWT)
	opts.TrustedOperators = []*jwt.OperatorClaims{t.operatorClaims}
	opts.SystemAccount = t.systemPub
	opts.AccountResolver = res
}

// ServerConfig is the nats-server configuration fragment that makes an
// external server or cluster trust these keys, for `cadena nats-config`.
func (t *Trust) ServerConfig() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Cadena NATS trust, printed by `cadena nats-config`. Include it from\n")
	fmt.Fprintf(&b, "# nats-server.conf on every server of the cluster (with jetstream enabled).\n")
	fmt.Fprintf(&b, "# Lenders need no change here: their credentials are signed by an account key.\n")
	fmt.Fprintf(&b, "operator: %s\n", t.operatorJWT)
	fmt.Fprintf(&b, "system_account: %s\n", t.systemPub)
	fmt.Fprintf(&b, "resolver: MEMORY\n")
	fmt.Fprintf(&b, "resolver_preload: {\n")
	fmt.Fprintf(&b, "  # %s\n  %s: %s\n", AccountName, t.accountPub, t.accountJWT)
	fmt.Fprintf(&b, "  # %s\n  %s: %s\n", LendersAccountName, t.lendersPub, t.lendersJWT)
	fmt.Fprintf(&b, "  # SYS\n  %s: %s\n", t.systemPub, t.sysJWT)
	fmt.Fprintf(&b, "}\n")
	return b.String()
}

// PlatformCreds returns a .creds file for the platform's own connection: no
// permission list, so everything inside the CADENA account, and no expiry
// (it is minted afresh on every start).
func (t *Trust) PlatformCreds() ([]byte, error) {
	return t.userCreds("cadena-platform", t.accountPub, t.platformSigner, func(*jwt.UserClaims) {})
}

// LenderCreds returns a .creds file for one lender, valid for expiry. It may
// subscribe to its own subjects and inbox, request on its bid subject, and
// pull and ack from its own durable consumer; nothing else.
func (t *Trust) LenderCreds(lenderID string, expiry time.Duration) ([]byte, error) {
	if err := ValidLenderID(lenderID); err != nil {
		return nil, err
	}
	if expiry <= 0 {
		return nil, errors.New("natsauth: lender credentials must expire")
	}
	pub, sub := lenderPermissions(lenderID)
	return t.userCreds("lender "+lenderID, t.lendersPub, t.lenderSign, func(uc *jwt.UserClaims) {
		uc.Tags.Add("lender:" + lenderID)
		uc.Expires = t.now().Add(expiry).Unix()
		uc.Permissions.Pub.Allow.Add(pub...)
		uc.Permissions.Sub.Allow.Add(sub...)
		// No allow_responses: a lender answers no requests.
		uc.Limits.Payload = lenderMaxPayload
		uc.Limits.Subs = lenderMaxSubs
		uc.AllowedConnectionTypes.Add(jwt.ConnectionTypeStandard, jwt.ConnectionTypeWebsocket)
	})
}

// userCreds signs a user JWT for a fresh user nkey. User seeds live only in
// the creds returned, never in the key folder.
func (t *Trust) userCreds(name, account string, signer nkeys.KeyPair, set func(*jwt.UserClaims)) ([]byte, error) {
	user, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	pub, err := user.PublicKey()
	if err != nil {
		return nil, err
	}
	uc := jwt.NewUserClaims(pub)
	uc.Name = name
	uc.IssuerAccount = account
	set(uc)
	token, err := uc.Encode(signer)
	if err != nil {
		return nil, fmt.Errorf("user jwt: %w", err)
	}
	seed, err := user.Seed()
	if err != nil {
		return nil, err
	}
	return jwt.FormatUserConfig(token, seed)
}

// ConnectOption authenticates a nats.go connection with creds held in
// memory, the way nats.UserCredentials does with a file.
func ConnectOption(creds []byte) (nats.Option, error) {
	token, err := jwt.ParseDecoratedJWT(creds)
	if err != nil {
		return nil, fmt.Errorf("creds jwt: %w", err)
	}
	kp, err := jwt.ParseDecoratedNKey(creds)
	if err != nil {
		return nil, fmt.Errorf("creds seed: %w", err)
	}
	return nats.UserJWT(
		func() (string, error) { return token, nil },
		func(nonce []byte) ([]byte, error) { return kp.Sign(nonce) },
	), nil
}
