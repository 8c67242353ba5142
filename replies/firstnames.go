package replies

import "strings"

// firstNames are the first names common in Denmark (the names most given, by Danmarks
// Statistik's lists, to people of working age in 2012, and the names most common among the
// Danes of other origins), lower-case. A capitalised word that is one of them is a person's
// name wherever it stands; one that is not may still be a name, but a count that rests on it
// alone is not sure (persons.go, count.go).
var firstNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		aase agnete aja alberte alice alma amalie amanda anette ane anita ann anna annalise anne
		annelise annemarie annette anni annie astrid asta aase benedikte bente berit betina bettina
		birgit birgitte birte birthe bitten bodil britt britta camilla carina caroline cathrine
		cecilie charlotte christa christel christina christine conni connie dagmar dorthe dorte
		ditte dorit edel edith ella ellen elin elisabeth else emilie emma erna eva ester esther
		fie frida frederikke gerda gitte grethe gudrun gunhild hanne hannah heidi helen helena helene
		helga helle henriette hilda ida inga inge ingelise inger ingrid irene iben jane janne
		jeanette jeanne jette johanne josefine julie jytte kamilla karen karin karina karoline
		kate kathrine katja katrine kim kirsten kirstine kristina kristine laila laura lea lena
		lene leonora lilian lilly lina line lis lisa lisbet lisbeth lise liselotte lissi lizette
		lone lotte louise luna maiken maj maja malene mai marianne marie mariann marlene martha
		mathilde mette mia michelle mie mona nadia nanna naja nathalie nina ninna nicoline noa ole
		pernille pia randi rebekka regitze rigmor rikke rita ruth sanne sara sarah signe silje
		simone sine sofia sofie solveig sonja stine susan susanne sussie tanja tea tina tine
		tinna tove trine tilde ulla ulrikke vera verner vibeke victoria viktoria vivi vivian
		winnie yvonne
		aage adam adrian albert alex alexander allan anders andreas ane arne asger august axel
		benjamin bent bjarne bjørn bo brian bruno carl carsten casper christian christoffer
		claus dan daniel david dennis ebbe egon einar ejnar ejvind elias emil erik erling esben
		espen finn flemming frank frede frederik frode gert gunnar hans harald helge henning henrik
		holger ib ivan jacob jakob jan jannik jens jeppe jesper jimmy joachim johan johannes john
		johnny jon jonas jonathan jan jørgen jørn kai kaj karl kasper keld kenneth kent kim kjeld
		klaus knud kristian kristoffer kurt lars lasse leif lennart leo lucas lukas magnus mads
		malthe marcus mark martin mathias mattias max michael mikael mikkel morten nicklas niels
		nikolaj nils noah ole oliver oscar otto ove palle patrick paul peder per peter philip
		poul preben rasmus rene rené richard robert rolf rune sebastian simon steen sten stefan
		steffen stig svend søren thomas thor thorkild tim tobias tom tommy tonny torben troels
		uffe ulrik valdemar verner victor viggo villads vagn werner william
		ahmed ali amir fatima hassan hussein ibrahim leila mohamed mohammad mohammed mustafa omar
		yasmin zainab ayse aisha mehmet murat
		elena ana maria jose juan pedro olga irina natalia agnieszka katarzyna piotr tomasz
		mary sara john james robert michael david richard sarah jennifer susan
		agnes ines gry hjørdis merete merethe janni jannie lillian maibritt gunver grete gurli karna
		kristen lykke majbritt minna nete ninette rosa stina susie tenna trice tut ulrikka vita
		aksel birger børge carlo eigil eskild gorm hardy jesper jørgen mogens orla tage torsten
		bendt benny bjørn egil eli ejler erik flemming folmer gunnar harry henry herluf jakob
		jørn karsten kennet kristoffer leon mads mikael niclas nicolai nicolaj ole oluf ove per
		poul-erik preben rudi sune svenning søren thorbjørn tonni torkild vilhelm walther`) {
		m[w] = true
	}
	return m
}()

// knownFirstName says whether a capitalised word is a common first name.
func knownFirstName(w string) bool {
	lw := strings.ToLower(w)
	if i := strings.IndexByte(lw, '-'); i > 0 {
		lw = lw[:i] // "Anne-Marie", "Hans-Henrik"
	}
	return firstNames[lw]
}

// surnameEndings end the Danish surnames made from a father's name or a place.
var surnameEndings = []string{"sen", "søn", "gaard", "gård", "strup", "holm", "lund", "berg", "borg", "bjerg",
	"dal", "skov", "kjær", "kær", "bæk", "toft", "rup", "strøm", "feldt", "mann", "bøl", "ager", "høj"}

// commonSurnames are the short Danish surnames with none of those endings.
var commonSurnames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`bach bak bang bay bech bro bruun brix dahl dam falk fog friis frost hald
		hauge hjort hjorth holst hove juhl juul kirk krag kragh krog krogh kruse lind lykke munk ravn riis
		schmidt schou sloth storm thorup vang vind vinther winther wolff yde bonde bøgh kappel lauge
		ploug sand vad høeg aaen brandt dyrberg hvid mørk nygaard ebbesen rask`) {
		m[w] = true
	}
	return m
}()

// surnameLike says whether a capitalised word looks like a Danish surname.
func surnameLike(w string) bool {
	lw := strings.ToLower(w)
	if commonSurnames[lw] {
		return true
	}
	for _, e := range surnameEndings {
		if strings.HasSuffix(lw, e) && len(lw) > len(e)+1 {
			return true
		}
	}
	return false
}
