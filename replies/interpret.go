package replies

// interpret reads a message against the campaign: who it is from and what it answers.
func interpret(r *Reading, m *message, opts Options) Answer {
	return Answer{Intent: IntentNone, Companions: []string{}}
}
