// Package lhp is a small framework for the lakehouse's stand-in resource providers: a gRPC
// ResourceProvider server over a table of resource implementations, plus helpers to read inputs.
//
// The Go module proxy reachable here serves none of the upstream provider modules
// (github.com/pulumi/pulumi-docker/provider/v4, pulumi-command/provider, pulumi-minio/provider,
// pulumi-kafka/provider/v3) nor the Terraform providers they bridge, so the toolchain builds these
// stand-ins instead. They implement the subset of each provider's schema that this project uses, under
// the same tokens and property names, so the npm SDKs (@pulumi/docker, @pulumi/command) work unchanged.
package lhp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Resource is one resource type.
type Resource interface {
	// Check validates and normalises inputs; olds are the previous inputs (nil on create).
	Check(ctx context.Context, req CheckArgs) (resource.PropertyMap, []*pulumirpc.CheckFailure, error)
	// Diff returns the input keys whose change forces a replacement and those that can be updated.
	Diff(oldInputs, olds, news resource.PropertyMap) (replaces, updates []string)
	Create(ctx context.Context, news resource.PropertyMap) (string, resource.PropertyMap, error)
	Update(ctx context.Context, id string, olds, oldInputs, news resource.PropertyMap) (resource.PropertyMap, error)
	// Read refreshes the state; exists=false when the resource is gone.
	Read(ctx context.Context, id string, state resource.PropertyMap) (resource.PropertyMap, bool, error)
	Delete(ctx context.Context, id string, state resource.PropertyMap) error
}

// Optional behaviours of a Resource, for stand-ins of bridged (Terraform-based) providers, whose
// upstream plugin is pulumi-terraform-bridge over a Terraform provider.

// DeleteBeforeReplacer decides whether a replacement deletes the old resource first (the bridge:
// ResourceInfo.DeleteBeforeReplace, or a user-given autonamed name).
type DeleteBeforeReplacer interface {
	DeleteBeforeReplace(olds, news resource.PropertyMap) bool
}

// StateDiffer marks a resource whose Diff compares the new inputs with the old state, as the bridge
// does; a top-level ignoreChanges key then takes the state's value, not the old input's.
type StateDiffer interface{ DiffsAgainstState() }

// IDReader is a Read that may change the ID (upstream's docker_image re-derives it on refresh).
type IDReader interface {
	ReadID(ctx context.Context, id string, state resource.PropertyMap) (string, resource.PropertyMap, bool, error)
}

// InputsRefresher computes the inputs a refresh records; without it the old inputs are kept.
type InputsRefresher interface {
	RefreshInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap
}

// InitError is returned by Create when the resource exists but failed to initialise: the engine
// records it with State and an initialization error, and the next update retries it with Update
// (pulumirpc.ErrorResourceInitFailed, what the bridge returns when a Terraform Create fails after
// setting the ID).
type InitError struct {
	ID      string
	State   resource.PropertyMap
	Reasons []string
}

func (e *InitError) Error() string { return strings.Join(e.Reasons, "; ") }

// CheckArgs carries the Check request.
type CheckArgs struct {
	URN        string
	Name       string
	Olds, News resource.PropertyMap
	Seed       []byte
}

// Invoke is a provider function.
type Invoke func(ctx context.Context, args resource.PropertyMap) (resource.PropertyMap, error)

// Provider is a stand-in provider.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	Name      string
	Version   string
	Resources map[string]Resource
	Invokes   map[string]Invoke
	// Configure receives the provider configuration (plain values).
	OnConfigure func(cfg map[string]any) error
}

// Main serves the provider until the engine stops it.
func Main(p *Provider) {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(p.Version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cancel := make(chan bool)
	go func() { <-ctx.Done(); stop(); close(cancel) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("fatal: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("fatal: %w", err))
	}
}

var inOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
var outOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

func unmarshal(s *structpb.Struct, label string) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	o := inOpts
	o.Label = label
	return plugin.UnmarshalProperties(s, o)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, outOpts)
}

func typeOf(urn string) string {
	// urn:pulumi:stack::project::[parent$]type::name
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	t := parts[2]
	if i := strings.LastIndex(t, "$"); i >= 0 {
		t = t[i+1:]
	}
	return t
}

func nameOf(urn string) string {
	parts := strings.Split(urn, "::")
	return parts[len(parts)-1]
}

func (p *Provider) res(urn, typ string) (Resource, error) {
	if typ == "" {
		typ = typeOf(urn)
	}
	r, ok := p.Resources[typ]
	if !ok {
		return nil, status.Errorf(codes.Unimplemented,
			"resource type %s is not implemented by the lakehouse stand-in %s provider (see docs/offline.md)", typ, p.Name)
	}
	return r, nil
}

func (p *Provider) Handshake(ctx context.Context, req *pulumirpc.ProviderHandshakeRequest,
) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.Version}, nil
}

func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, p.Name, p.Version)}, nil
}

func (p *Provider) GetMapping(context.Context, *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

func (p *Provider) GetMappings(context.Context, *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return &pulumirpc.GetMappingsResponse{}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) CheckConfig(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	if changed := ChangedKeys(olds, news); len(changed) > 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *Provider) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	cfg := map[string]any{}
	if req.GetArgs() != nil {
		m, err := unmarshal(req.GetArgs(), "config")
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			cfg[string(k)] = Plain(v)
		}
	} else {
		for k, v := range req.GetVariables() {
			cfg[k[strings.LastIndex(k, ":")+1:]] = v
		}
	}
	if p.OnConfigure != nil {
		if err := p.OnConfigure(cfg); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *Provider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := p.res(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if name == "" {
		name = nameOf(req.GetUrn())
	}
	inputs, failures, err := r.Check(ctx, CheckArgs{URN: req.GetUrn(), Name: name, Olds: olds, News: news, Seed: req.GetRandomSeed()})
	if err != nil {
		return nil, err
	}
	s, err := marshal(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: s, Failures: failures}, nil
}

func (p *Provider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := p.res(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	oldInputs, err := unmarshal(req.GetOldInputs(), "oldInputs")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		oldInputs = olds
	}
	_, fromState := r.(StateDiffer)
	for _, k := range req.GetIgnoreChanges() {
		key := resource.PropertyKey(k)
		if v, ok := olds[key]; ok && fromState {
			news[key] = v
		} else if v, ok := oldInputs[key]; ok {
			news[key] = v
		}
	}
	replaces, updates := r.Diff(oldInputs, olds, news)
	if len(replaces)+len(updates) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	diffs := append(append([]string{}, replaces...), updates...)
	sort.Strings(diffs)
	// A diff against the state shows the state's value next to the new input, as the bridge's does.
	inputDiff := !fromState
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, k := range updates {
		detailed[k] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE, InputDiff: inputDiff}
	}
	for _, k := range replaces {
		detailed[k] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE_REPLACE, InputDiff: inputDiff}
	}
	dbr := false
	if d, ok := r.(DeleteBeforeReplacer); ok && len(replaces) > 0 {
		dbr = d.DeleteBeforeReplace(olds, news)
	}
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: replaces, Diffs: diffs,
		DetailedDiff: detailed, HasDetailedDiff: true, DeleteBeforeReplace: dbr,
	}, nil
}

func (p *Provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := p.res(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetProperties(), "news")
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		s, err := marshal(news)
		return &pulumirpc.CreateResponse{Properties: s}, err
	}
	id, outs, err := r.Create(ctx, news)
	var initErr *InitError
	if errors.As(err, &initErr) {
		return nil, initFailed(initErr, req.GetProperties())
	}
	if err != nil {
		return nil, err
	}
	s, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: s}, nil
}

func (p *Provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, err := p.res(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	oldInputs, err := unmarshal(req.GetOldInputs(), "oldInputs")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		s, err := marshal(news)
		return &pulumirpc.UpdateResponse{Properties: s}, err
	}
	outs, err := r.Update(ctx, req.GetId(), olds, oldInputs, news)
	if err != nil {
		return nil, err
	}
	s, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: s}, nil
}

func (p *Provider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, err := p.res(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), "state")
	if err != nil {
		return nil, err
	}
	id := req.GetId()
	var outs resource.PropertyMap
	var exists bool
	if ir, ok := r.(IDReader); ok {
		id, outs, exists, err = ir.ReadID(ctx, id, state)
	} else {
		outs, exists, err = r.Read(ctx, id, state)
	}
	if err != nil {
		return nil, err
	}
	if !exists {
		return &pulumirpc.ReadResponse{}, nil
	}
	s, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	inputs := req.GetInputs()
	if ref, ok := r.(InputsRefresher); ok && inputs != nil {
		old, err := unmarshal(inputs, "inputs")
		if err != nil {
			return nil, err
		}
		if inputs, err = marshal(ref.RefreshInputs(old, outs)); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ReadResponse{Id: id, Properties: s, Inputs: inputs}, nil
}

func (p *Provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := p.res(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), "state")
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, r.Delete(ctx, req.GetId(), state)
}

func (p *Provider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	fn, ok := p.Invokes[req.GetTok()]
	if !ok {
		return nil, status.Errorf(codes.Unimplemented,
			"function %s is not implemented by the lakehouse stand-in %s provider (see docs/offline.md)", req.GetTok(), p.Name)
	}
	args, err := unmarshal(req.GetArgs(), "args")
	if err != nil {
		return nil, err
	}
	out, err := fn(ctx, args)
	if err != nil {
		return nil, err
	}
	s, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: s}, nil
}

// initFailed packs an InitError the way the engine reads a partial creation.
func initFailed(e *InitError, inputs *structpb.Struct) error {
	props, err := marshal(e.State)
	if err != nil {
		return err
	}
	return rpcerror.WithDetails(rpcerror.New(codes.Unknown, e.Error()),
		&pulumirpc.ErrorResourceInitFailed{Id: e.ID, Properties: props, Reasons: e.Reasons, Inputs: inputs})
}

// BridgedInputs is the bridge's rule for the inputs a refresh records: every key of the old inputs
// takes the refreshed state's value (objects key by key, arrays position by position); keys the
// state lacks are dropped; a secret input stays secret.
func BridgedInputs(oldInputs, outs resource.PropertyMap) resource.PropertyMap {
	res := resource.PropertyMap{}
	for k, old := range oldInputs {
		if strings.HasPrefix(string(k), "__") {
			res[k] = old
			continue
		}
		if v, ok := outs[k]; ok {
			res[k] = bridgedInput(old, v)
		}
	}
	return res
}

func bridgedInput(old, state resource.PropertyValue) resource.PropertyValue {
	if old.IsSecret() {
		inner := bridgedInput(old.SecretValue().Element, state)
		if inner.IsSecret() {
			return inner
		}
		return resource.MakeSecret(inner)
	}
	if state.IsSecret() {
		return resource.MakeSecret(bridgedInput(old, state.SecretValue().Element))
	}
	switch {
	case old.IsObject() && state.IsObject():
		return resource.NewObjectProperty(BridgedInputs(old.ObjectValue(), state.ObjectValue()))
	case old.IsArray() && state.IsArray():
		o, n := old.ArrayValue(), state.ArrayValue()
		out := []resource.PropertyValue{}
		for i := range o {
			if i >= len(n) {
				break
			}
			out = append(out, bridgedInput(o[i], n[i]))
		}
		return resource.NewArrayProperty(out)
	}
	return state
}

// ---- helpers for implementations ----

// Plain turns a property value into plain Go values, unwrapping secrets; unknowns become nil.
func Plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return Plain(v.SecretValue().Element)
	case v.IsComputed():
		return nil
	case v.IsOutput():
		if !v.OutputValue().Known {
			return nil
		}
		return Plain(v.OutputValue().Element)
	case v.IsNull():
		return nil
	case v.IsString():
		return v.StringValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsArray():
		out := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			out = append(out, Plain(e))
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = Plain(e)
		}
		return out
	}
	return nil
}

// Args is a plain view over inputs.
type Args map[string]any

// PlainMap converts a PropertyMap to Args.
func PlainMap(m resource.PropertyMap) Args {
	out := Args{}
	for k, v := range m {
		out[string(k)] = Plain(v)
	}
	return out
}

func (a Args) Str(k, def string) string {
	if s, ok := a[k].(string); ok && s != "" {
		return s
	}
	return def
}

func (a Args) Bool(k string, def bool) bool {
	if b, ok := a[k].(bool); ok {
		return b
	}
	return def
}

func (a Args) Num(k string, def float64) float64 {
	if n, ok := a[k].(float64); ok {
		return n
	}
	return def
}

func (a Args) List(k string) []any {
	if l, ok := a[k].([]any); ok {
		return l
	}
	return nil
}

func (a Args) Strings(k string) []string {
	var out []string
	for _, e := range a.List(k) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (a Args) Objects(k string) []Args {
	var out []Args
	for _, e := range a.List(k) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, Args(m))
		}
	}
	return out
}

func (a Args) Object(k string) Args {
	if m, ok := a[k].(map[string]any); ok {
		return Args(m)
	}
	if l := a.Objects(k); len(l) > 0 {
		return l[0]
	}
	return nil
}

func (a Args) StringMap(k string) map[string]string {
	out := map[string]string{}
	if m, ok := a[k].(map[string]any); ok {
		for kk, v := range m {
			out[kk] = fmt.Sprint(v)
		}
	}
	return out
}

// ChangedKeys lists the keys whose values differ between two input maps (unknowns count as changed).
func ChangedKeys(olds, news resource.PropertyMap) []string {
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if strings.HasPrefix(string(k), "__") {
			continue
		}
		o, n := olds[k], news[k]
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			out = append(out, string(k))
		}
	}
	sort.Strings(out)
	return out
}

// AutoName returns "<base>-<7 hex chars>" derived from the engine's random seed.
func AutoName(base string, seed []byte) string {
	suffix := hex.EncodeToString(seed)
	if len(suffix) < 7 {
		suffix += "0000000"
	}
	return base + "-" + suffix[:7]
}

// KeepOrAutoName sets key to the old value, or an autoname, when the inputs leave it unset.
func KeepOrAutoName(args CheckArgs, key string) resource.PropertyMap {
	k := resource.PropertyKey(key)
	if v, ok := args.News[k]; ok && !v.IsNull() {
		return args.News
	}
	if v, ok := args.Olds[k]; ok && !v.IsNull() {
		args.News[k] = v
		return args.News
	}
	args.News[k] = resource.NewStringProperty(AutoName(args.Name, args.Seed))
	return args.News
}

// Copy returns a shallow copy of m.
func Copy(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ErrNotFound marks a missing remote object.
var ErrNotFound = errors.New("not found")
