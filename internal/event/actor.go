package event

import "context"

// Actor is who caused an event, carried in the context from the edge (a
// verified token, a CLI command, a platform job) to the outbox, so the audit
// log can say who did what without every use case passing it along.
type Actor struct {
	Subject string `json:"subject"`
	PartyID string `json:"party_id,omitempty"`
	Role    string `json:"role,omitempty"`
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; platform jobs without one are "system".
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Subject: "system"}
}
