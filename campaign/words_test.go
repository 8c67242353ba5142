package campaign

import "testing"

// TestKronerInWordsDa: the amounts the example agreements print, and the places where Danish
// numbers are easy to get wrong (et/en, "og" before the last small group, 50 to 90).
func TestKronerInWordsDa(t *testing.T) {
	tests := []struct {
		oere int64
		want string
	}{
		{384335000, "tre millioner otte hundrede og treogfyrre tusind tre hundrede og halvtreds kroner"}, // København
		{1327900, "tretten tusind to hundrede og nioghalvfjerds kroner"},                                 // Læsø
		{100, "en krone"},
		{0, "nul kroner"},
		{2100, "enogtyve kroner"},
		{10000, "et hundrede kroner"},
		{100000, "et tusind kroner"},
		{200300, "to tusind og tre kroner"},
		{10100000, "et hundrede og et tusind kroner"},
		{100000000, "en million kroner"},
		{200000000, "to millioner kroner"},
		{100000100, "en million og en kroner"},
		{9999999900, "nioghalvfems millioner ni hundrede og nioghalvfems tusind ni hundrede og nioghalvfems kroner"},
		{6090708000, "tres millioner ni hundrede og syv tusind og firs kroner"},
		{1233150, "tolv tusind tre hundrede og enogtredive kroner og halvtreds øre"},
		{250000050, "to millioner fem hundrede tusind kroner og halvtreds øre"},
	}
	for _, tt := range tests {
		if got := KronerInWordsDa(tt.oere); got != tt.want {
			t.Errorf("KronerInWordsDa(%s) = %q, want %q", FormatKroner(tt.oere), got, tt.want)
		}
	}
}
