package main

// kafka:index/userScramCredential:UserScramCredential as terraform-provider-kafka v0.13.1's
// kafka_user_scram_credential behaves behind the bridge (kafka/resource_kafka_user_scram_credential.go,
// kafka/kafka_user_scram_credentials.go; the table is conformance/kafka.json):
//   - username and scramMechanism (SCRAM-SHA-256 or SCRAM-SHA-512, case-sensitive) are required and
//     replace; scramIterations (default 4096, at least 4096) and password update in place (an upsert
//     with a fresh salt); passwordWoVersion updates in place; passwordWo (write-only) never diffs.
//   - the ID is <username>|<scramMechanism>; Read reports the live iterations, keeps the state's password
//     (Kafka cannot return it) and drops a credential that is gone; Delete fails when it is gone already.
//   - password is a secret output (pulumi-kafka's schema marks it secret). No error names it.

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"reflect"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

const scramToken = "kafka:index/userScramCredential:UserScramCredential"

// defaultScramIterations is upstream's Default (and, by IntAtLeast, its minimum).
const defaultScramIterations = 4096

// scramSaltSize is the salt upstream generates for each upsert (prepareUpsert: 64 random bytes).
const scramSaltSize = 64

type scramCredential struct{}

// DiffsAgainstState: the bridge plans against the state (after a refresh, the live iterations).
func (scramCredential) DiffsAgainstState() {}

// RefreshInputs: a refresh records the refreshed state's values as the inputs, as the bridge does.
func (scramCredential) RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	return lhp.BridgedInputs(oldInputs, outs)
}

var scramMechanisms = []string{"SCRAM-SHA-256", "SCRAM-SHA-512"}

func scramMechanismOf(s string) kadm.ScramMechanism {
	switch s {
	case "SCRAM-SHA-256":
		return kadm.ScramSha256
	case "SCRAM-SHA-512":
		return kadm.ScramSha512
	}
	return 0
}

// set: the input is given (not absent, not null).
func set(m resource.PropertyMap, k resource.PropertyKey) bool {
	v, ok := m[k]
	return ok && !v.IsNull() && !(v.IsSecret() && v.SecretValue().Element.IsNull())
}

// knownString is the input's string value when it is known.
func knownString(v resource.PropertyValue) (string, bool) {
	if v.ContainsUnknowns() {
		return "", false
	}
	s, ok := lhp.Plain(v).(string)
	return s, ok
}

func missingArg(prop, tf string) *pulumirpc.CheckFailure {
	return &pulumirpc.CheckFailure{Property: prop,
		Reason: fmt.Sprintf("Missing required argument. The argument %q is required, but no definition was found.", tf)}
}

// Check mirrors the Terraform schema's validation, with upstream's texts. Upstream's
// ValidateDiagFunc wrapper (utils.go validateDiagFunc) formats the attribute path with %+v, hence the
// cty.Path dump in the scramMechanism message.
func (scramCredential) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	if !set(news, "username") {
		failures = append(failures, missingArg("username", "username"))
	} else if v := news["username"]; !v.ContainsUnknowns() {
		if _, ok := knownString(v); !ok {
			fail("username", "username must be a string")
		}
	}
	if !set(news, "scramMechanism") {
		failures = append(failures, missingArg("scramMechanism", "scram_mechanism"))
	} else if v := news["scramMechanism"]; !v.ContainsUnknowns() {
		if s, ok := knownString(v); !ok {
			fail("scramMechanism", "expected type of [{pathStepImpl:{} Name:scram_mechanism}] to be string")
		} else if scramMechanismOf(s) == 0 {
			fail("scramMechanism", fmt.Sprintf("expected [{pathStepImpl:{} Name:scram_mechanism}] to be one of %q, got %s", scramMechanisms, s))
		}
	}
	if v := news["scramIterations"]; set(news, "scramIterations") && !v.ContainsUnknowns() {
		n, ok := lhp.Plain(v).(float64)
		switch {
		case !ok:
			fail("scramIterations", "scramIterations must be a number")
		case n < defaultScramIterations:
			fail("scramIterations", fmt.Sprintf("expected scram_iterations to be at least (%d), got %d", defaultScramIterations, int(n)))
		}
	}
	for _, p := range [][2]string{{"password", "password"}, {"passwordWo", "password_wo"}} {
		v := news[resource.PropertyKey(p[0])]
		if !set(news, resource.PropertyKey(p[0])) || v.ContainsUnknowns() {
			continue
		}
		if s, ok := knownString(v); !ok {
			fail(p[0], fmt.Sprintf("expected type of %q to be string", p[1]))
		} else if strings.TrimSpace(s) == "" {
			fail(p[0], fmt.Sprintf("expected %q to not be an empty string or whitespace", p[1]))
		}
	}
	switch {
	case set(news, "password") && set(news, "passwordWo"):
		fail("password", `"password": conflicts with password_wo`)
		fail("passwordWo", `"password_wo": conflicts with password`)
	case !set(news, "password") && !set(news, "passwordWo"):
		// Upstream's CustomizeDiff (validatePasswordFields) refuses the plan; here the preview fails at Check.
		fail("password", "password validation failed: either 'password' or 'password_wo' must be provided with a non-empty value")
	}
	news[defaultsKey] = resource.NewArrayProperty([]resource.PropertyValue{})
	return news, failures, nil
}

// Diff plans against the state, as the bridge does (ForceNew: username, scramMechanism).
func (scramCredential) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	return scramDiff(olds, news)
}

func scramDiff(olds, news resource.PropertyMap) (replaces, updates []string) {
	changed := func(k resource.PropertyKey) bool {
		n := news[k]
		return n.ContainsUnknowns() || !reflect.DeepEqual(lhp.Plain(olds[k]), lhp.Plain(n))
	}
	for _, k := range []string{"scramMechanism", "username"} {
		if changed(resource.PropertyKey(k)) {
			replaces = append(replaces, k)
		}
	}
	if changed("password") {
		updates = append(updates, "password")
	}
	if changed("passwordWoVersion") {
		updates = append(updates, "passwordWoVersion")
	}
	// An absent input is the schema default; the state holds the applied (or, refreshed, live) count.
	it := news["scramIterations"]
	if it.ContainsUnknowns() || iterationsOf(olds) != iterationsOf(news) {
		updates = append(updates, "scramIterations")
	}
	return replaces, updates
}

func iterationsOf(m resource.PropertyMap) int32 {
	return int32(lhp.PlainMap(m).Num("scramIterations", defaultScramIterations))
}

type scramArgs struct {
	user       string
	mechanism  string
	iterations int32
	password   string
}

func scramArgsOf(m resource.PropertyMap) scramArgs {
	a := lhp.PlainMap(m)
	pw := a.Str("password", "")
	if pw == "" {
		pw = a.Str("passwordWo", "")
	}
	return scramArgs{user: a.Str("username", ""), mechanism: a.Str("scramMechanism", ""),
		iterations: iterationsOf(m), password: pw}
}

func (s scramArgs) id() string { return s.user + "|" + s.mechanism }

// scramOutputs is the Terraform state after create or update: the inputs with the default iterations,
// the password a secret, passwordWo absent (write-only).
func scramOutputs(news resource.PropertyMap) resource.PropertyMap {
	outs := lhp.Copy(news)
	delete(outs, defaultsKey)
	delete(outs, "passwordWo")
	outs["scramIterations"] = resource.NewNumberProperty(float64(iterationsOf(news)))
	secretPassword(outs)
	return outs
}

func secretPassword(outs resource.PropertyMap) {
	if v, ok := outs["password"]; ok && !v.IsNull() && !v.IsSecret() {
		outs["password"] = resource.MakeSecret(v)
	}
}

// upsertSCRAM salts the password (64 random bytes, as upstream) and sends the upsert; the broker
// judges the iteration count (Kafka allows 4096 to 16384).
func upsertSCRAM(ctx context.Context, what string, s scramArgs) error {
	if s.password == "" {
		return fmt.Errorf("%s: either 'password' or 'password_wo' must be provided with a non-empty value", what)
	}
	mech := scramMechanismOf(s.mechanism)
	var h func() hash.Hash
	switch mech {
	case kadm.ScramSha256:
		h = sha256.New
	case kadm.ScramSha512:
		h = sha512.New
	default:
		return fmt.Errorf("%s: unknown SCRAM mechanism %q", what, s.mechanism)
	}
	salt := make([]byte, scramSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("%s: generating the salt: %w", what, err)
	}
	salted, err := pbkdf2.Key(h, s.password, salt, int(s.iterations), h().Size())
	if err != nil {
		return fmt.Errorf("%s: salting the password: %w", what, err)
	}
	return withAdmin(ctx, what, func(ctx context.Context, adm *kadm.Client) error {
		rs, err := adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: s.user, Mechanism: mech,
			Iterations: s.iterations, Salt: salt, SaltedPassword: salted}})
		if err != nil {
			return err
		}
		return alteredErr(rs)
	})
}

func alteredErr(rs kadm.AlteredUserSCRAMs) error {
	for _, r := range rs.Sorted() {
		if r.Err != nil {
			return serverErr(r.Err, r.ErrMessage)
		}
	}
	return nil
}

func (scramCredential) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	s := scramArgsOf(news)
	if err := upsertSCRAM(ctx, "creating SCRAM credential "+s.id(), s); err != nil {
		return "", nil, err
	}
	return s.id(), scramOutputs(news), nil
}

func (scramCredential) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	s := scramArgsOf(news)
	// Upstream upserts when the password, passwordWo, passwordWoVersion or the iterations changed: the
	// only in-place changes there are.
	if err := upsertSCRAM(ctx, "updating SCRAM credential "+s.id(), s); err != nil {
		return nil, err
	}
	return scramOutputs(news), nil
}

var errSCRAMMissing = errors.New("user scram credential could not be found")

// describeSCRAM returns the live iterations of user's credential for mechanism (errSCRAMMissing when
// the user has none, or none for that mechanism), as upstream's DescribeUserScramCredential.
func describeSCRAM(ctx context.Context, user, mechanism string) (int32, error) {
	var iterations int32
	err := withAdmin(ctx, "describing SCRAM credential "+user+"|"+mechanism, func(ctx context.Context, adm *kadm.Client) error {
		rs, err := adm.DescribeUserSCRAMs(ctx, user)
		if err != nil {
			return err
		}
		if len(rs) != 1 {
			return fmt.Errorf("got %d results (expected 1) when describing user scram credential %s", len(rs), user)
		}
		r, ok := rs[user]
		if !ok {
			return fmt.Errorf("no result for user %s when describing its scram credentials", user)
		}
		if errors.Is(r.Err, kerr.ResourceNotFound) {
			return errSCRAMMissing
		}
		if r.Err != nil {
			return fmt.Errorf("error describing user scram credential %s: %w", user, serverErr(r.Err, r.ErrMessage))
		}
		for _, c := range r.CredInfos {
			if c.Mechanism.String() == mechanism {
				iterations = c.Iterations
				return nil
			}
		}
		return errSCRAMMissing
	})
	if errors.Is(err, errSCRAMMissing) {
		return 0, errSCRAMMissing
	}
	return iterations, err
}

// Read reports the live credential; upstream reads username and mechanism from the state, or, on an
// import (no state), from the ID: username|mechanism, or the legacy username|mechanism|password.
func (scramCredential) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	outs := lhp.Copy(state)
	delete(outs, defaultsKey)
	a := lhp.PlainMap(state)
	user, mech := a.Str("username", ""), a.Str("scramMechanism", "")
	if user == "" && mech == "" {
		parts := strings.Split(id, "|")
		switch len(parts) {
		case 2:
		case 3:
			outs["password"] = resource.NewStringProperty(parts[2])
		default:
			return nil, false, fmt.Errorf("failed importing resource; expected format is username|scram_mechanism (for write-only passwords) or username|scram_mechanism|password (legacy) - got %v segments instead of 2 or 3", len(parts))
		}
		user, mech = parts[0], parts[1]
	}
	iterations, err := describeSCRAM(ctx, user, mech)
	if errors.Is(err, errSCRAMMissing) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	outs["username"] = resource.NewStringProperty(user)
	outs["scramMechanism"] = resource.NewStringProperty(mech)
	outs["scramIterations"] = resource.NewNumberProperty(float64(iterations))
	secretPassword(outs)
	return outs, true, nil
}

// Delete removes the credential; like upstream it fails when the credential is gone already (the
// broker's RESOURCE_NOT_FOUND; refresh first to forget it).
func (scramCredential) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	s := scramArgsOf(state)
	mech := scramMechanismOf(s.mechanism)
	if mech == 0 {
		return fmt.Errorf("deleting SCRAM credential %s: unknown SCRAM mechanism %q", id, s.mechanism)
	}
	return withAdmin(ctx, "deleting SCRAM credential "+s.id(), func(ctx context.Context, adm *kadm.Client) error {
		rs, err := adm.AlterUserSCRAMs(ctx, []kadm.DeleteSCRAM{{User: s.user, Mechanism: mech}}, nil)
		if err != nil {
			return err
		}
		return alteredErr(rs)
	})
}
