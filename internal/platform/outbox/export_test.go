package outbox

// CrashAfter makes the next claims fail after n publishes, before the mark.
func (r *Relay) CrashAfter(n int) { r.crashAfter = n }
