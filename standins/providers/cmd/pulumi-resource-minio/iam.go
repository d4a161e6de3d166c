package main

// IAM resources of pulumi-minio (minio:index/iamUser:IamUser, minio:index/iamPolicy:IamPolicy,
// minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment) through MinIO's admin API with
// github.com/minio/madmin-go/v3 (the admin API encrypts request bodies with the caller's secret),
// behaving like aminueza/terraform-provider-minio behind the Terraform bridge:
//   - IamUser: name forces replacement; secret (Optional+Computed, Sensitive: always a Pulumi secret in
//     the outputs, generated at create when not given), disableUser, updateSecret, forceDestroy and tags
//     update in place; Read reports status and drops a user MinIO does not know (XMinioAdminNoSuchUser).
//   - IamPolicy: name and namePrefix force replacement (conflicting with each other); policy (a JSON
//     object) updates in place and a JSON-equivalent policy plans nothing; Read drops a policy MinIO
//     does not know (XMinioAdminNoSuchPolicy) and reads its document back.
//   - IamUserPolicyAttachment: userName and policyName force replacement; Read drops the attachment when
//     the user no longer has the policy.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/minio/madmin-go/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"lakehouse.local/toolchain/providers/internal/lhp"
)

const (
	iamUserToken       = "minio:index/iamUser:IamUser"
	iamPolicyToken     = "minio:index/iamPolicy:IamPolicy"
	iamAttachmentToken = "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment"
)

func adminClient() (*madmin.AdminClient, error) {
	c, err := madmin.New(cfg.server, cfg.user, cfg.password, cfg.ssl)
	if err != nil {
		return nil, err
	}
	if cfg.transport != nil {
		c.SetCustomTransport(cfg.transport)
	}
	return c, nil
}

func adminCode(err error) string {
	var e madmin.ErrorResponse
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var (
	staticUserName = regexp.MustCompile(`^[0-9A-Za-z=,.@\-_+]+$`)
	ldapUserDN     = regexp.MustCompile(`^(?:(CN=([^,]*)),)+(?:((?:(?:CN|OU)=[^,]+,?)+),)+((?:DC=[^,]+,?)+)$`)
	policyName     = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

func userNameFailure(k, v string) string {
	if staticUserName.MatchString(v) || ldapUserDN.MatchString(v) {
		return ""
	}
	return fmt.Sprintf("only alphanumeric characters, hyphens, underscores, commas, periods, @ symbols, plus and equals signs allowed or a valid LDAP Distinguished Name (DN) in %q: %q", k, v)
}

func policyNameFailures(k, v string) []string {
	var r []string
	if len(v) > 128 {
		r = append(r, fmt.Sprintf("%q cannot be longer than 128 characters", k))
	}
	if len(v) > 96 {
		r = append(r, fmt.Sprintf("%q cannot be longer than 96 characters, name is limited to 128", k))
	}
	if !policyName.MatchString(v) {
		r = append(r, fmt.Sprintf("%q must match [\\w+=,.@:/-]", k))
	}
	return r
}

// fillDefaults writes the Terraform schema defaults the bridge fills in at Check, listing them under __defaults.
func fillDefaults(news resource.PropertyMap, keys ...string) {
	defaults := []resource.PropertyValue{}
	for _, k := range keys {
		if !present(news, k) {
			news[resource.PropertyKey(k)] = resource.NewBoolProperty(false)
			defaults = append(defaults, resource.NewStringProperty(k))
		}
	}
	news[defaultsKey] = resource.NewArrayProperty(defaults)
}

func changedPlain(olds, news resource.PropertyMap, k string) bool {
	o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
	if n.ContainsUnknowns() {
		return true
	}
	po, pn := lhp.Plain(o), lhp.Plain(n)
	if po == nil && pn == false || po == false && pn == nil {
		return false
	}
	return !reflect.DeepEqual(po, pn)
}

func outputs(news resource.PropertyMap) resource.PropertyMap {
	out := lhp.Copy(news)
	delete(out, defaultsKey)
	return out
}

// ---- IamUser ----

type iamUser struct{}

func (iamUser) DiffsAgainstState() {}

func (iamUser) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var failures []*pulumirpc.CheckFailure
	n := lhp.PlainMap(news)
	name, ok := n["name"].(string)
	switch {
	case !present(news, "name"):
		failures = append(failures, &pulumirpc.CheckFailure{Property: "name", Reason: "Missing required argument: The argument \"name\" is required, but no definition was found."})
	case ok:
		if f := userNameFailure("name", name); f != "" {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "name", Reason: f})
		}
	}
	if present(news, "status") {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "status", Reason: "status is computed by MinIO and cannot be set"})
	}
	if v, ok := news["secret"]; ok && !v.IsNull() && !v.IsSecret() {
		news["secret"] = resource.MakeSecret(v)
	}
	fillDefaults(news, "disableUser", "forceDestroy", "updateSecret")
	return news, failures, nil
}

func (iamUser) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	if changedPlain(olds, news, "name") {
		replaces = append(replaces, "name")
	}
	// secret is Optional+Computed: left out, it keeps the generated one.
	if present(news, "secret") && changedPlain(olds, news, "secret") {
		updates = append(updates, "secret")
	}
	for _, k := range []string{"disableUser", "forceDestroy", "updateSecret", "tags"} {
		if changedPlain(olds, news, k) {
			updates = append(updates, k)
		}
	}
	return replaces, updates
}

// generateSecret is upstream's generateSecretAccessKey: 40 characters of base64 from crypto/rand.
func generateSecret() (string, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b)[:40], nil
}

func userResourceError(msg, name string, err error) error {
	return fmt.Errorf("[FATAL] %s (%s): %v", msg, name, err)
}

func (iamUser) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("name", "")
	secret := a.Str("secret", "")
	adm, err := adminClient()
	if err != nil {
		return "", nil, err
	}
	if secret == "" {
		if secret, err = generateSecret(); err != nil {
			return "", nil, userResourceError("error creating user", name, err)
		}
	}
	if err := adm.AddUser(ctx, name, secret); err != nil {
		return "", nil, userResourceError("error creating user", name, err)
	}
	if a.Bool("disableUser", false) {
		if err := adm.SetUserStatus(ctx, name, madmin.AccountDisabled); err != nil {
			return "", nil, userResourceError("error disabling IAM User", name, err)
		}
	}
	out := outputs(news)
	out["secret"] = resource.MakeSecret(resource.NewStringProperty(secret))
	info, err := adm.GetUserInfo(ctx, name)
	if err != nil {
		return "", nil, userResourceError("error reading IAM User", name, err)
	}
	out["status"] = resource.NewStringProperty(string(info.Status))
	return name, out, nil
}

func (iamUser) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	adm, err := adminClient()
	if err != nil {
		return nil, err
	}
	want := madmin.AccountEnabled
	if a.Bool("disableUser", false) {
		want = madmin.AccountDisabled
	}
	info, _ := adm.GetUserInfo(ctx, id)
	if info.Status != want {
		if err := adm.SetUserStatus(ctx, id, want); err != nil {
			return nil, userResourceError("error to disable IAM User", id, err)
		}
	}
	secret := lhp.PlainMap(olds).Str("secret", "")
	wanted := a.Str("secret", secret)
	if a.Bool("updateSecret", false) {
		if wanted, err = generateSecret(); err != nil {
			return nil, userResourceError("error creating user", id, err)
		}
	}
	if wanted != secret {
		if err := adm.SetUser(ctx, id, wanted, want); err != nil {
			return nil, userResourceError("error updating IAM User Key", id, err)
		}
	}
	out := outputs(news)
	out["secret"] = resource.MakeSecret(resource.NewStringProperty(wanted))
	if info, err = adm.GetUserInfo(ctx, id); err != nil {
		return nil, userResourceError("error reading IAM User", id, err)
	}
	out["status"] = resource.NewStringProperty(string(info.Status))
	return out, nil
}

func (iamUser) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	adm, err := adminClient()
	if err != nil {
		return nil, false, err
	}
	info, err := adm.GetUserInfo(ctx, id)
	if adminCode(err) == "XMinioAdminNoSuchUser" {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, userResourceError("error reading IAM User", id, err)
	}
	out := lhp.Copy(state)
	if !present(out, "name") {
		out["name"] = resource.NewStringProperty(id)
	}
	out["status"] = resource.NewStringProperty(string(info.Status))
	return out, true, nil
}

func (iamUser) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	adm, err := adminClient()
	if err != nil {
		return err
	}
	info, _ := adm.GetUserInfo(ctx, id)
	for _, g := range info.MemberOf {
		err := adm.UpdateGroupMembers(ctx, madmin.GroupAddRemove{Group: g, Members: []string{id}, IsRemove: true})
		if err != nil && !lhp.PlainMap(state).Bool("forceDestroy", false) {
			return userResourceError("error removing IAM User group memberships", id, err)
		}
	}
	if err := adm.RemoveUser(ctx, id); err != nil {
		return userResourceError("error deleting IAM User", id, err)
	}
	return nil
}

// ---- IamPolicy ----

type iamPolicy struct{}

func (iamPolicy) DiffsAgainstState() {}

func (iamPolicy) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var failures []*pulumirpc.CheckFailure
	fail := func(p, r string) { failures = append(failures, &pulumirpc.CheckFailure{Property: p, Reason: r}) }
	n := lhp.PlainMap(news)
	if !present(news, "policy") {
		fail("policy", "Missing required argument: The argument \"policy\" is required, but no definition was found.")
	} else if p, ok := n["policy"].(string); ok {
		if p == "" || p[:1] != "{" {
			fail("policy", `"policy" contains an invalid JSON policy`)
		} else if err := json.Unmarshal([]byte(p), new(map[string]any)); err != nil {
			fail("policy", fmt.Sprintf(`"policy" contains an invalid JSON: %v`, err))
		}
	}
	for _, k := range []string{"name", "namePrefix"} {
		if v, ok := n[k].(string); ok {
			for _, r := range policyNameFailures(k, v) {
				fail(k, r)
			}
		}
	}
	if present(news, "name") && present(news, "namePrefix") {
		fail("name", `"name": conflicts with name_prefix`)
		fail("namePrefix", `"name_prefix": conflicts with name`)
	}
	news[defaultsKey] = resource.NewArrayProperty([]resource.PropertyValue{})
	return news, failures, nil
}

// equivalentPolicies compares two policy documents as JSON values.
func equivalentPolicies(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(normalizePolicy(x), normalizePolicy(y))
}

// normalizePolicy treats a single string and a one-element list alike, and every list (statements, actions,
// resources, principals) as a set, as upstream's policy comparison (awspolicy equivalence) does: MinIO gives a
// stored policy back with its actions in an order of its own.
func normalizePolicy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range t {
			m[k] = normalizePolicy(e)
		}
		return m
	case []any:
		if len(t) == 1 {
			return normalizePolicy(t[0])
		}
		l := make([]any, len(t))
		keys := make([]string, len(t))
		for i, e := range t {
			l[i] = normalizePolicy(e)
			b, _ := json.Marshal(l[i])
			keys[i] = string(b)
		}
		sort.Sort(byKey{l, keys})
		return l
	}
	return v
}

// byKey sorts a list by the JSON text of its elements.
type byKey struct {
	l    []any
	keys []string
}

func (b byKey) Len() int           { return len(b.l) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.l[i], b.l[j] = b.l[j], b.l[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

func (iamPolicy) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces, updates []string
	if present(news, "name") && changedPlain(olds, news, "name") {
		replaces = append(replaces, "name")
	}
	if changedPlain(olds, news, "namePrefix") {
		replaces = append(replaces, "namePrefix")
	}
	np := news["policy"]
	if np.ContainsUnknowns() || !equivalentPolicies(lhp.PlainMap(olds).Str("policy", ""), lhp.PlainMap(news).Str("policy", "")) {
		updates = append(updates, "policy")
	}
	return replaces, updates
}

func (iamPolicy) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	name := a.Str("name", "")
	if name == "" {
		prefix := a.Str("namePrefix", "")
		if prefix == "" {
			prefix = "terraform-"
		}
		name = uniqueID(prefix)
	}
	adm, err := adminClient()
	if err != nil {
		return "", nil, err
	}
	if err := adm.AddCannedPolicy(ctx, name, []byte(a.Str("policy", ""))); err != nil {
		return "", nil, userResourceError("unable to create policy", name, err)
	}
	out := outputs(news)
	out["name"] = resource.NewStringProperty(name)
	return name, out, nil
}

func (iamPolicy) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	adm, err := adminClient()
	if err != nil {
		return nil, err
	}
	if err := adm.AddCannedPolicy(ctx, id, []byte(lhp.PlainMap(news).Str("policy", ""))); err != nil {
		return nil, userResourceError("unable to update policy", id, err)
	}
	out := outputs(news)
	out["name"] = resource.NewStringProperty(id)
	return out, nil
}

func (iamPolicy) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	adm, err := adminClient()
	if err != nil {
		return nil, false, err
	}
	info, err := adm.InfoCannedPolicyV2(ctx, id)
	if adminCode(err) == "XMinioAdminNoSuchPolicy" {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, userResourceError("unable to read policy", id, err)
	}
	out := lhp.Copy(state)
	out["name"] = resource.NewStringProperty(id)
	actual := strings.TrimSpace(string(info.Policy))
	if !equivalentPolicies(lhp.PlainMap(state).Str("policy", ""), actual) {
		out["policy"] = resource.NewStringProperty(actual)
	}
	return out, true, nil
}

func (iamPolicy) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	adm, err := adminClient()
	if err != nil {
		return err
	}
	if err := adm.RemoveCannedPolicy(ctx, id); err != nil {
		return userResourceError("unable to delete policy", id, err)
	}
	return nil
}

// ---- IamUserPolicyAttachment ----

type iamAttachment struct{}

func (iamAttachment) DiffsAgainstState() {}

func (iamAttachment) Check(ctx context.Context, a lhp.CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error) {
	news := lhp.Copy(a.News)
	delete(news, defaultsKey)
	var failures []*pulumirpc.CheckFailure
	n := lhp.PlainMap(news)
	for _, k := range []string{"userName", "policyName"} {
		if !present(news, k) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: k, Reason: fmt.Sprintf("Missing required argument: The argument %q is required, but no definition was found.", k)})
		}
	}
	if v, ok := n["userName"].(string); ok {
		if f := userNameFailure("user_name", v); f != "" {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "userName", Reason: f})
		}
	}
	if v, ok := n["policyName"].(string); ok {
		for _, r := range policyNameFailures("policy_name", v) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "policyName", Reason: r})
		}
	}
	news[defaultsKey] = resource.NewArrayProperty([]resource.PropertyValue{})
	return news, failures, nil
}

func (iamAttachment) Diff(oldInputs, olds, news resource.PropertyMap) ([]string, []string) {
	var replaces []string
	for _, k := range []string{"userName", "policyName"} {
		if changedPlain(olds, news, k) {
			replaces = append(replaces, k)
		}
	}
	return replaces, nil
}

func userHasPolicy(info madmin.UserInfo, policy string) bool {
	for _, p := range strings.Split(info.PolicyName, ",") {
		if strings.TrimSpace(p) == policy {
			return true
		}
	}
	return false
}

func (iamAttachment) Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error) {
	a := lhp.PlainMap(news)
	user, policy := a.Str("userName", ""), a.Str("policyName", "")
	adm, err := adminClient()
	if err != nil {
		return "", nil, err
	}
	info, err := adm.GetUserInfo(ctx, user)
	if err != nil {
		return "", nil, userResourceError("unable to get user info", user, err)
	}
	if !userHasPolicy(info, policy) {
		if _, err := adm.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{policy}, User: user}); err != nil {
			return "", nil, userResourceError("unable to Set User policy", user+" "+policy, err)
		}
	}
	return uniqueID(user + "-"), outputs(news), nil
}

func (iamAttachment) Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error) {
	return outputs(news), nil
}

func (iamAttachment) Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error) {
	a := lhp.PlainMap(state)
	user, policy := a.Str("userName", ""), a.Str("policyName", "")
	adm, err := adminClient()
	if err != nil {
		return nil, false, err
	}
	info, err := adm.GetUserInfo(ctx, user)
	if adminCode(err) == "XMinioAdminNoSuchUser" {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, userResourceError("failed to load user infos", user, err)
	}
	if !userHasPolicy(info, policy) {
		return nil, false, nil
	}
	return lhp.Copy(state), true, nil
}

func (iamAttachment) Delete(ctx context.Context, id string, state resource.PropertyMap) error {
	a := lhp.PlainMap(state)
	user, policy := a.Str("userName", ""), a.Str("policyName", "")
	adm, err := adminClient()
	if err != nil {
		return err
	}
	if _, err := adm.DetachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{policy}, User: user}); err != nil {
		if c := adminCode(err); c == "XMinioAdminNoSuchUser" || c == "XMinioAdminPolicyChangeAlreadyApplied" {
			return nil
		}
		return userResourceError("unable to delete user policy", user, err)
	}
	return nil
}
