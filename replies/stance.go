package replies

import (
	"regexp"
	"strings"
	"unicode"
)

// Stance: what one clause says about coming, and about whom. Danish puts the finite verb
// second, so the subject of "deltager vi ikke" stands after the verb and that of "Søren kommer
// ikke" before it; a negation reaches the subject of its own clause only ("min kollega er
// desværre forhindret" is one fewer, not a decline; "jeg kan ikke selv" is the writer alone).
// Words about the agreement or the project ("vi bakker op", "regner med at skrive under") say
// nothing about the meetings.

var (
	// attendCueRe: someone comes, signs up, or is to be registered.
	attendCueRe = wordsRe(`deltager|deltage|deltagelse|deltar|delta|kommer|komme|tilmeld\p{L}*|påmeld\p{L}*|anmäl\p{L}*|meldt (mig |os |hende |ham )?(til|på)|melde (mig|os|hende|ham|dem)( begge| begge to| alle| to)?( hermed| gerne| hermed gerne| også)?( selv)?( og [^.!?;:]{1,50}?)? (til|på)|melder (mig|os|hende|ham|dem|sig)( begge| begge to| alle| to)?( hermed| gerne| hermed gerne| også)?( selv)?( og [^.!?;:]{1,50}?)? (til|på)|sidder klar|står klar|skal (naturligvis |selvfølgelig |altså |så |jo |gerne )?til ([b-zæøå]\p{L}*|a|a[a-su-zæøå]\p{L}*|at\p{L}+)|meld (mig|os)( begge| begge to| alle| to)?( selv)?( og [^.!?;:]{1,50}?)? (til|på)|sæt (venligst |gerne |lige )?(mig|os|hende|ham|dem)( selv)? og [^.!?;:]{1,50}? på|sætter (mig|os|hende|ham|dem)( selv)? og [^.!?;:]{1,50}? på|skriv (venligst |gerne |lige )?(mig|os|hende|ham|dem)( selv)? og [^.!?;:]{1,50}? (op|på)|skriver (mig|os|hende|ham|dem)( selv)? og [^.!?;:]{1,50}? (op|på)|tager (\p{L}+ ){0,3}(til|derop|derover|derned|derud|afsted|af sted|turen|toget|mødet|det første|det sidste|det midterste|et af)|tage (til|derop|derover|mødet|det|med)|tog til|ses|se jer|ser jer|er (naturligvis |selvfølgelig |gerne |også |stadig |fortsat |altså |klart |bestemt )?med|være med|vil (gerne |meget gerne )?(med|til)|gerne med|skriv (mig|os|hende|ham) (\p{L}+ )?(op|på)|skrive (mig|os|hende|ham) (\p{L}+ )?(op|på)|sæt (mig|os) på|repræsenterer|repræsentere|repræsenteret (af|ved)|repræsenteres (af|ved)|flyttes til|flytte\p{L}* (os |mig |hende |ham |dem |vores tilmelding |tilmeldingen |det )?til|flyt (venligst |gerne |lige |derfor )?(os|mig|hende|ham|dem|vores tilmelding|tilmeldingen)( venligst| gerne| lige| derfor)?( over)? til|ryk (venligst |gerne |lige |derfor )?(os|mig|hende|ham|dem|vores tilmelding|tilmeldingen)( venligst| gerne| lige| derfor)?( over)? til|skift (venligst |gerne |lige |derfor )?(os|mig|hende|ham|dem|vores tilmelding|tilmeldingen)( venligst| gerne| lige| derfor)?( over)? til|flyttes|skifter ([^.,;:!?]{1,40} )?til|skifte ([^.,;:!?]{1,40} )?til|bytte\p{L}* ([^.,;:!?]{1,40} )?til|flytter (os |mig )?fra [^.,;:!?]{1,40} til|sat [^,]{1,24}? af|sat kryds|sætter (\p{L}+ )?kryds|sætte (\p{L}+ )?kryds|kan (vi|jeg) (godt|sagtens|fint)[.!]?$|holder (os|mig) til|` + keepsPlace + `|` + putInCalendar + `|reserveret (dagen|datoen)|booket (\p{L}+ ){0,2}(billet\p{L}*|togbillet\p{L}*|tog|hotel\p{L}*|fly\p{L}*)|købt (\p{L}+ ){0,2}(billet\p{L}*|togbillet\p{L}*)|bestilt (\p{L}+ ){0,2}(billet\p{L}*|togbillet\p{L}*|hotel\p{L}*)|min deltagelse|vores deltagelse|sæt(te)? (mig|os) på|reserver\p{L}* (\p{L}+ ){0,2}(plads|pladser)|book\p{L}* (\p{L}+ ){0,2}(plads|pladser)|ja tak|ja gerne|ja|kører (med|derover|derop|dertil|til)|kører (\p{L}+ ){1,3}(til (mødet|dialogmødet)|derover|derop|dertil)|rejser (\p{L}+ ){0,3}(til (mødet|dialogmødet)|derover|derop|dertil)|følgeskab|sender (vores|min|mit|en|et|to|tre|fire|\d+|begge vores|begge mine|begge) (\p{L}+ )?(skolebibliotekskonsulent\p{L}*|konsulent\p{L}*|souschef\p{L}*|kollega\p{L}*|kolleger|medarbejder\p{L}*|repræsentant\p{L}*|leder\p{L}*|chef\p{L}*|bibliotekar\p{L}*|\p{Lu})|regne med (os|mig|\d+|to|tre|fire|fem)|regn med (os|mig|\d+|to|tre|fire|fem)|glæder (mig|os) til (mødet|at komme|at deltage|at se|at møde)|ser frem til (mødet|møderne|dialogmødet|at se jer|at deltage|at komme|at møde)|det bliver|bliver det|det (må|skal|vil|kommer til at) blive|så (må|skal|vil) det blive|vælger|valgt|foretrækker|passer (mig |os )?(klart |langt |absolut )?(bedst|bedre|fint|godt|glimrende|perfekt)|går (fint|godt|fint for os)|går efter|er (nemmest|bedst|fin|fint|det bedste|mest oplagt|oplagt)|passer (os|mig)|ønsker at deltage|stiller med|tæl (os|mig) med|attend\p{L}*|will come|we'll come|we will come|i'll come|coming|be there|join\p{L}*|participat\p{L}*|register\p{L}*|sign (me|us) up|sign up|put (me|us) down|count (me|us) in|see you|would like to come|prefer\p{L}*|switch\p{L}*|change (to|our)|yes`)
	// declineCueRe: someone does not come ("men ikke på møderne" after a yes to the project, "Det
	// er ikke muligt for os at komme i Aalborg" too).
	declineCueRe = wordsRe(`ikke (på|til|i|med (på|til)) (møderne|dialogmøderne|dialogmødet|mødet)|ikke muligt (for (os|mig) )?at (komme|deltage|nå)|umuligt (for (os|mig) )?at (komme|deltage|nå)|ikke (noget )?(behov for|brug for|grund til) at (deltage|komme)|passer (os |mig )?(desværre |altså |bare |slet )?ikke|for travlt|ingen (deltagelse|deltagere|tilmelding)|bliver hjemme|afstå\p{L}*|nødt til at aflyse|må aflyse|vil aflyse|når (desværre |alligevel |altså |heller )*ikke|ingen (fra os|af os|herfra)|kommer (desværre |altså |så |heller )?ingen|ikke mulighed for at sende|ønsker ikke|kan (jeg |vi |han |hun |de |du )?(desværre |alligevel |heller |altså |jo |derfor |så |nok |slet |bare |dog )*ikke|kunne (jeg |vi |han |hun |de )?(desværre |alligevel )*ikke|ikke (har|kan|deltager|kommer|får|bliver)|deltager (jeg |vi |han |hun |de )?(desværre |alligevel |altså |derfor |så |dog |heller )*ikke|deltage ikke|ikke deltage|ikke at (deltage|komme|tilmelde|melde (os|mig) til)|ikke i stand til|bliver uden (os|mig)|kommer (jeg |vi |han |hun |de )?(desværre |alligevel |altså |derfor |dog |heller )*ikke|ikke komme|har (desværre |altså |derfor |dog |heller )*ikke (mulighed|tid)|ingen mulighed|ikke mulighed|ingen af os|ingen fra os|ingen af (de |jeres )?(tre |to )?(datoer|datoerne|møder|møderne|dialogmøder|dialogmøderne|dage|dagene)|melder (hermed |desværre |hermed desværre |derfor )?fra|melde fra|meldt fra|afbud|afmeld\p{L}*|framelde\p{L}*|takke nej|takker nej|sige nej|nej tak|springer [^,.]{0,40}over|springe [^,.]{0,40}over|sige pas|siger pas|holder (os|mig) hjemme|undla(de|der) at (deltage|komme|tilmelde)|fravælge\p{L}*|lade (\p{L}+ ){0,3}gå (os |mig )?forbi|lader (\p{L}+ ){0,3}gå (os |mig )?forbi|bliver ikke repræsenteret|ikke (være |blive )?repræsenteret|forhindre\p{L}*|er (desværre )?syg|blevet syg|sygemeldt|holder fri|har fri|går på (pension|barsel|orlov)|er på (barsel|orlov)|ikke nå|trækker (os|mig|tilmelding\p{L}*)|trækker (\p{L}+ )?(tilmelding|deltagelse)\p{L}* tilbage|trække (os|mig)|trække (\p{L}+ )?(tilmelding|deltagelse)\p{L}* [^.!?;]{0,40}?tilbage|annullere\p{L}* (\p{L}+ ){0,2}(tilmelding|deltagelse)|aflyse (vores|min) \p{L}+|aflyser (vores|min) \p{L}+|bliver ikke til noget|sige fra|siger fra|melde pas|melder pas|stå over|står over|hverken (jeg|vi)|hverken [^.!?;:]{1,40}? eller (jeg|vi|mig|os|undertegnede)|nej|cannot|can't|can not|won't be able|will not be able|unable|not able|not attend|won't attend|will not attend|unfortunately|regret\p{L}*|decline\p{L}*|no thanks|have to cancel|must cancel`)
	// pastRe: a plan given up, a choice that would have been, or an earlier answer reported.
	pastRe = wordsRe(`overvejede|har (\p{L}+ )?overvejet|havde (\p{L}+ )?været (det )?(nemmest|bedst|oplagt|lettest|det nemmeste|det bedste|det letteste)|ville (jeg|vi) (egentlig )?(helst|hellere)|ville (egentlig |nok |klart )?(have )?være(t)? (oplagt|bedst|nemmest|fint|godt|oplagte)|havde (egentlig |først |ellers |oprindelig |faktisk |ellers )?(tænkt|regnet|planlagt|overvejet|valgt|håbet)|jeg var (\p{L}+ )?(der|i|på|med)|vi var (\p{L}+ )?(der|i|på|med)|var (jeg|vi) (\p{L}+ )?(der|i|på|med)|deltog|havde (egentlig |først |ellers |oprindelig |faktisk |ellers |nu |ellers )*(lyst|tænkt|planer om|en plan om)|ville (\p{L}+ ){0,3}have (taget|valgt|passet|deltaget|foretrukket)|ville have passet|egentlig tænkt|først overvejet|oprindelig\p{L}*|meldte (os |mig |hende |ham )?(fra|til|på)|skrev (i|at|tidligere|jeg|vi)|skrev,|har skrevet|sendte|nævnte|sagde|fortalte|som tidligere meldt|tidligere (meldt|tilmeldt|skrevet)|was planning|had planned`)
	// hedgeRe: the writer leans but has not decided.
	hedgeRe = wordsRe(`kan være,? (at )?(vi|jeg|han|hun|ikke)|i givet fald|i så fald|i bekræftende fald|håber (at|på at) (kunne|komme|deltage)|foreløbig|foreløbigt|ser (\p{L}+ ){0,2}ud til|satser på|prøver at|forsøger at|prøve at|forsøge at|sandsynligvis|sandsynligt|antagelig|antageligt|formentlig|formodentlig|muligvis|måske|vistnok|tror (det|vi|jeg|nok)|det bliver nok|bliver det nok|vi (kommer|deltager|tager) nok|jeg (kommer|deltager|tager) nok|nok (til|i) |probably|perhaps|maybe`)
	// openRe: the choice is still open.
	openRe = wordsRe(`kan ikke (svare|sige|love|bekræfte|give)|kan (desværre )?ikke (svare|sige|love|bekræfte|give)|for tidligt at (sige|svare)|har (endnu )?ikke taget stilling|skal (lige |først )?(høre|tale med|vende|drøfte)|ikke nå at beslutte|ikke endelig\p{L}*|skal først (have|tale|drøfte|høre|afklare)|enten|i tvivl|usikker|uvist|uafklaret|med forbehold|med et forbehold|ikke sikker|ikke helt sikker|ved (endnu |ærlig talt |stadig |bare |desværre )?ikke|har ikke (endnu )?besluttet|ikke (endnu )?besluttet|ikke (endnu |helt )?afklaret|endnu ikke på plads|ikke (helt |endeligt |endnu )?på plads|tage stilling|tager stilling|før jeg kan sige|inden (vi|jeg) melder|afhænger|afhængig\p{L}* af|kommer an på|afventer|afvente|kan først bekræfte|kan først (give|sende|melde|svare)|først bekræfte|overvejer|vil overveje|skal lige (have )?(undersøge|tjekke|tjekket|kigge|kigget|se|afklare|afklaret|afstemme|afstemt)|undecided|not sure`)
	// promiseRe: the writer will answer later.
	promiseRe = wordsRe(`melder ud senere|melder ud|sender (en |vores |min )?(tilmelding|svar|besked) (senere|når|hurtigst|snarest|i næste)|sender (en |vores |min )?(tilmelding|svar|besked),|vender (jeg |vi |han |hun )?(selv |snarest |hurtigst muligt |straks |hurtigt )?(tilbage|retur)|melder (jeg |vi |han |hun )?(selv |snarest |hurtigst muligt )?tilbage|bekræfter (selv|endeligt|senere)|(skriver|svarer) (jeg |vi )?endeligt|bekræfter,? (når|så snart|hurtigst)|melde tilbage|kommer tilbage (med|til dig|til jer)|giver (jer |dig )?(besked|lyd) (senere|når|igen|hurtigst|snarest|i næste)|giver (jeg|vi) (jer |dig )?(besked|lyd)|skriver( jeg| vi)?( igen)?,? (så snart|når|straks når)|skriver (jeg |vi )?(så |derefter |da )?(igen|til jer igen|senere)|svarer (selv |først )?(senere|på mandag|på tirsdag|på onsdag|på torsdag|på fredag|senest|i morgen|når|igen|på invitationen|hurtigst|inden|i næste)|hører (i |du )?fra (mig|os)|hører (i|du) (nærmere|mere)|i hører (nærmere|mere)|du hører (nærmere|mere)|så (får|hører) (i|du) (et |en )?(svar|besked)|svar(et)? kommer|svar (senest|inden|snarest|i løbet af)|får (svar|besked)|svar følger|svaret følger|følger op|jeg giver (jer |dig )?(besked|lyd)|vi giver (jer |dig )?(besked|lyd)|vil (selv )?svare|svare selv|svarer selv|bekræfter (endeligt|senere|når|så snart|hurtigst)|bekræfte endeligt|get back|let you know|come back to you`)
	// questionCueRe: the writer asks something of the organiser without a question mark.
	questionCueRe = wordsRe(`vil (jeg |vi )?(gerne |meget gerne )?vide|ville (jeg |vi )?(gerne )?vide|vil (jeg|vi) (gerne |lige )?høre(,? (om|hvor|hvad|hvordan|hvornår)|\s*,|\s*$)|har (et|to|tre|et par|nogle|enkelte) spørgsmål|spørgsmål til|spørgsmål:|kan i (fortælle|oplyse|sende|bekræfte|sige|give)|vil i (bekræfte|se efter|sende|oplyse|give)|høre, om|høre om hvorvidt|vide, om|could you (tell|send|let)|i wonder|wondering`)
	// requestRe: the writer asks the organiser to do something, written as a wish or a
	// statement ("Vi vil stadig gerne have materialet tilsendt", "Send gerne præsentationen
	// bagefter", "Jeg vil gerne have en kvittering", "Husk at sende mig deltagerlisten", "Vi har
	// brug for en bekræftelse", "Må jeg bede om en bekræftelse", "Jeg hører gerne, hvordan"): a
	// person must act on it, as on a question.
	requestRe = wordsRe(`vil (\p{L}+ ){0,3}(gerne |meget gerne )?(have|modtage|få) [^.!?;]{0,60}?(tilsendt|sendt|fremsendt|mailet|på mail)|ville (\p{L}+ ){0,3}(gerne |meget gerne )?(have|modtage|få) [^.!?;]{0,60}?(tilsendt|sendt|fremsendt|mailet|på mail)|vil (\p{L}+ ){0,3}gerne (have|modtage|få) ` + requested + `|ville (\p{L}+ ){0,3}gerne (have|modtage|få) ` + requested + `|send (gerne|venligst|lige|os|mig|endelig)|ring (gerne|venligst|lige|endelig) (til )?(mig|os)|ville være (dejligt|rart|fint|godt|super|skønt|en hjælp) (med|at få|hvis)|håber,? (at )?(i|du) (vil|kan|gider) |i må (gerne|meget gerne|godt) (sende|give|ringe|skrive|maile)|du må (gerne|meget gerne|godt) (sende|give|ringe|skrive|maile)|skal (\p{L}+ )?have ` + requested + `|skulle (\p{L}+ )?have ` + requested + `|skriv (gerne|venligst|lige) til (mig|os)|kan (jeg|vi) (få|modtage) (tilsendt |sendt )?` + requested + `|kan (jeg|vi) få (tilsendt|sendt)|ønsker (at )?(modtage|få) (tilsendt )?` + requested + `|bede om,? at |bede om\s*,?\s*$|husk (nu |lige |venligst |endelig )?at sende|skal (\p{L}+ )?bruge ` + requested + `|skulle (\p{L}+ )?bruge ` + requested + `|må (jeg|vi) (bede om|få) ` + requested + `|bede om ` + requested + `|hører (\p{L}+ ){0,2}gerne(,? (om|hvordan|hvor|hvad|hvornår|hvilke|hvem|mere|nærmere)|\s*,|\s*$)|ser (\p{L}+ )?gerne,? at [^.!?;]{0,60}?(sendt|tilsendt|fremsendt|mailet)|har brug for ` + requested + `|får brug for ` + requested + `|beder (jeg |vi )?(hermed )?om (at få |at modtage )?` + requested + `|bede om at få (tilsendt|sendt)|please send`)
	// requested is what a request asks for.
	requested = `(en |et |jeres |de |den |det )?(\p{L}+ )?(kvittering|bekræftelse|referat\p{L}*|slides|materiale\p{L}*|præsentation\p{L}*|dagsorden\p{L}*|program\p{L}*|kopi|deltagerliste\p{L}*|link\p{L}*|faktura|mødeindkaldelse|frokost|mad|kost|specialkost|parkering\p{L}*|p-plads\p{L}*|opfølgning|orientering|nyhedsbrev\p{L}*)`
	// preferRe: a choice made among meetings.
	preferRe = wordsRe(`kortest (vej )?til|tættest på|nærmest (hjemme|for os|for mig)|ligger nærmest|giver sig selv|er (det )?(klart |helt )?oplagt\p{L}*|holder (os|mig) til|kan (vi|jeg) (godt|sagtens|fint)[.!]?$|ender (vi |jeg )?med|endt med|lander (vi |jeg )?på|kan kun|kun den|kun d\.|kun i|kun til|kun om|hellere|helst|allerhelst|foretrækker|foretrække|at foretrække|passer (mig |os )?(klart |langt |absolut |nu )?(bedst|bedre)|vælger|har valgt|valgt|det bliver|bliver det|derfor|i stedet|istedet|prefer\p{L}*|rather|instead`)
	// changeRe: a change of an earlier answer; the meeting named last is the new one.
	changeRe = wordsRe(`rettelse|ret:|opdatering|i stedet|istedet|alligevel|flyttes|flytte\p{L}*|ændre\p{L}*|ændring|skifte\p{L}*|skifter|bytte\p{L}*|ombestemt|ombestemmer|korrektion|correction|instead|switch\p{L}*|change\p{L}*|move us|move me`)
	// optionRe: meetings named as possible, not chosen.
	optionRe = wordsRe(`både|kunne (både|også|godt|sagtens)|begge mulige|begge er mulige|er mulige|kan også|også komme|kunne også|eventuelt|alternativt|som reserve|i nødstilfælde|either`)
	// busyRe: the day of a meeting is taken, or the meeting does not suit: a refusal of that
	// meeting, never of the invitation.
	busyRe = wordsRe(`kollision|sammenfald|dobbeltbooking|uden for (\p{L}+ )?rækkevidde|ligger (alt |lidt |noget |for )?(for langt|langt væk|for sent|for tidligt|oven i|samtidig|sammen med|dårligt)|for langt (væk|fra|at)|er (lidt |noget |alt |meget |begge |lidt for |alt for )*(for )?langt|ligger (lidt |noget |meget |begge |lidt for |alt for )*langt|langt væk|et godt stykke (at køre|væk|vej)|ikke en mulighed|kommer ikke på tale|udelukket|passer (os |mig )?(ikke|dårligt)|går ikke|har (jeg|vi) (et )?(møde|kursus|ferie|personaledag|budgetseminar|seminar|åbent hus|travlt|\p{L}*møde)|holder (vi|jeg) \p{L}+|jeg har (et |en )?(andet|anden) (møde|aftale|arrangement)|vi har (et |en )?(andet|anden) (møde|aftale|arrangement)|jeg har en aftale|vi har en aftale|er (jeg|vi) (på|til|i) (kursus|møde|ferie|seminar|studietur|\p{L}*tur|\p{L}*møde)|optaget|er booket|helt booket|fuldt booket|fyldt op|kolliderer|falder sammen med|a whole day away|too far`)
	// burdenRe: the way to a meeting weighed as a burden ("det tager en hel dag at komme til
	// Vejle", "det koster os en overnatning at komme til Roskilde").
	burdenRe = wordsRe(`det (tager|koster|kræver|er|bliver|betyder)( os| mig)? [^.!?]{0,40}?(hel dag|hele dagen|overnatning|lang tid|lang tur|lang rejse|mange timer|\d+ timer|to timer|tre timer|fire timer|fem timer|langt|besværlig\p{L}*|dyrt|omstændelig\p{L}*)[^.!?]{0,30}? at (komme|køre|rejse|nå|tage|deltage)`)
	// agreementObjRe: the clause is about the agreement or the project, not the meetings.
	agreementObjRe = wordsRe(`tilslutningsaftale\p{L}*|aftale\p{L}*|underskri\p{L}*|skrive under|projekt\p{L}*|systemet|fælles system|bibliotekssystem\p{L}*|udbud\p{L}*|materialet|præsentation\p{L}*|agreement|project`)
	// selfOnlyRe: the writer alone is meant ("jeg kan ikke selv"); so is the writer of notMeRe.
	selfOnlyRe = regexp.MustCompile(`(?:ikke|heller ikke)\s+(?:\p{L}+\s+)?selv(?:$|[^\p{L}])|selv\s+(?:\p{L}+\s+)?ikke(?:$|[^\p{L}])`)
	// notMeRe finds "det bliver ikke mig, der kommer", "det er ikke mig": the writer is not the
	// one who comes, whatever verb follows.
	notMeRe = regexp.MustCompile(`(?:bliver|er)\s+ikke\s+mig(?:$|[^\p{L}])`)
	// companionCueRe: someone comes along with another ("X kommer med", "tager X med").
	companionCueRe = wordsRe(`har [^.!?:]{1,60} med\.?$|tager (også )?med|(kommer|deltager|kører|rejser) [^.!?:]{0,40}?med (vores|min|mit|mine|kommunens)|(kommer|deltager|kører|rejser) [^.!?:]{0,40}?med (to|tre|fire|2|3|4) (kolleger|kollegaer|medarbejdere|\p{L}*konsulenter|\p{L}*chefer|ledere)|med til [\p{L}-]+ (er|kommer)( også)?|medbring\p{L}*|medtag\p{L}*|følges med|ledsaget af|ledsages af|har (en|min|vores|to|tre) [\p{L}-]+ med|have (en|min|mit|vores|kommunens) [\p{L}-]+ med|kommer (også )?med|komme (også )?med|tager [^.!?:]{1,60} med|sammen med|med mig|kører med|får følgeskab|følgeskab af|også (gerne )?med|vil (også |gerne |også gerne )+med|together with|bring\p{L}*|with my|with our`)
)

var (
	// eitherNumbersRe finds "enten to eller tre": a number left open, not a meeting.
	eitherNumbersRe = regexp.MustCompile(`enten\s+(?:\d+|en|én|to|tre|fire|fem)\s+eller\s`)
	// notDeclinedRe finds a refusal denied ("vi har ikke meldt fra").
	notDeclinedRe = regexp.MustCompile(`ikke\s+(?:\p{L}+\s+)?(?:meldt fra|meldt afbud|afmeldt|aflyst|sagt nej)`)
	// fixedRe finds an appointment that cannot be moved ("det kan ikke flyttes", "den kan ikke
	// lægges om", "som ikke kan rykkes").
	fixedRe = regexp.MustCompile(`(?:kan|kunne|lader sig)\s+(?:\p{L}+\s+){0,2}?ikke\s+(?:\p{L}+\s+)?(?:flyttes|rykkes|ændres|udskydes|aflyses|lægges om|laves om|flytte (?:det|den|dem)|rykke (?:det|den|dem)|ændre (?:det|den)|aflyse (?:det|den)|udskyde (?:det|den))(?:$|[^\p{L}])|ikke\s+kan\s+(?:flyttes|rykkes|ændres|udskydes|lægges om)(?:$|[^\p{L}])`)
	// neitherSelfRe finds "hverken X eller jeg": the writer is among those who do not come.
	neitherSelfRe = regexp.MustCompile(`(?:^|\s)hverken\s+[^.!?;:]{1,40}?\s+eller\s+(?:jeg|vi|mig|os|undertegnede)(?:$|[^\p{L}])`)
	// nobodyRe finds no one of the party as who comes ("der kommer ikke nogen i stedet for hende",
	// "kommer der ingen fra os"): the party does not come, whoever else was named; "der kommer
	// ikke nogen fra skoleforvaltningen" is a part of it.
	nobodyRe = regexp.MustCompile(`(?:^|\s)(?:der\s+(?:kommer|deltager)|(?:kommer|deltager)\s+der)\s+(?:\p{L}+\s+)?(?:ikke\s+nogen|ingen)(?:\s+(?:andre|i\s+stedet(?:\s+for\s+\p{L}+)?|fra\s+os|herfra|af\s+os))*\s*(?:$|[.,;!–-])`)
	// onlyThoseRe finds "no one but": "ingen andre end mig", "ikke nogen udover Hanne og mig".
	onlyThoseRe = regexp.MustCompile(`(?:ingen|ikke\s+nogen|ikke)\s+(?:andre\s+)?(?:end|udover|ud\s+over)\s`)
	// nejCorrectsRe finds "nej" that takes back a slip of the pen ("Nej, undskyld", "nej vent",
	// "nej, jeg mener").
	nejCorrectsRe = regexp.MustCompile(`(?:^|[^\p{L}])nej[ ,.!–-]*(?:undskyld|vent|jeg mener|jeg mente|rettelse|sorry)(?:$|[^\p{L}])`)
	// noOneRe finds "ingen" as the subject that opens a clause ("Ingen fra Ærø deltager",
	// "ingen af os kommer"): no one comes.
	noOneRe = regexp.MustCompile(`^\s*(?:og\s+|men\s+|så\s+)?ingen\s+(?:fra|af|her\s+fra|herfra)\s`)
	// confirmLaterRe finds a confirmation promised at the end of a clause ("jeg bekræfter").
	confirmLaterRe = regexp.MustCompile(`(?:^|\s)(?:jeg|vi|han|hun)\s+bekræfter(?:\s+selv)?\s*[,.]?\s*$`)
)

// subjKind says whom a clause's verb is about.
type subjKind byte

const (
	subjNone  subjKind = iota
	subjSelf           // the writer, "we", the invitee's municipality
	subjThird          // someone else: a name, a role, "han", "hun"
	subjYou            // the organiser ("I", "du")
)

// stance is what one clause says.
type stance struct {
	attend, decline  bool
	attendAt, declAt int // byte offset of the cue in the clause's lower text
	subject          subjKind
	subjectWords     string // the subject as written, when a person
	selfOnly         bool
	hedge, open      bool
	promise          bool
	asks             bool
	past             bool
	prefer, change   bool
	option, busy     bool
	agreementTalk    bool
	companion        bool
	companionAt      int
	companionEnd     int
	alongBefore      bool // the one who comes along stands before the cue ("Yrsa tager med", "Jens kommer med")
	registrar        bool // "tilmelde X", "skriv X op": the subject registers, the object comes
	otherEvent       bool // about another engagement ("et kursus", "byrådsmøde")
}

var (
	// otherEventRe finds another engagement: what a day is taken by.
	otherEventRe = wordsRe(`konference\p{L}*|kursus|seminar|seminaret|temamøde\p{L}*|budgetmøde\p{L}*|budgetseminar\p{L}*|ledermøde\p{L}*|udvalgsmøde\p{L}*|byrådsmøde\p{L}*|personalemøde\p{L}*|personaledag\p{L}*|generalforsamling\p{L}*|studietur\p{L}*|netværksmøde\p{L}*|repræsentantskabsmøde\p{L}*|ferie|vinterferie|møde i kl|kl's|åbent hus|ekstraordinær\p{L}* (\p{L}+ )?møde|indkaldt til (\p{L}+ ){0,2}møde`)
	// atMeetingRe finds a question left for the meeting itself ("som vi gerne vil have afklaret på mødet").
	atMeetingRe = wordsRe(`på mødet|på dialogmødet|til mødet|på selve mødet`)
)

var registrarRe = wordsRe(`tilmelde|tilmelder|melde (hende|ham|dem|os|mig)|melder (hende|ham|dem|os|mig)|skriv (mig|os|hende|ham) (\p{L}+ )?(op|på)|skrive (mig|os|hende|ham) (\p{L}+ )?(op|på)|sender (vores|min|mit|en|et|to|tre|fire|\d+)|sendes|sende jer`)

// readStance reads what a clause says about coming, and about whom; self knows the names of the
// invitee's own municipality.
func readStance(cl clause, self *selfNames) stance {
	st := stance{asks: cl.asks}
	l := st.readMarks(cl.lower)
	notMe := notMeRe.FindStringIndex(l)
	st.selfOnly = notMe != nil || selfOnlyRe.MatchString(l)
	st.readVerbs(l, notMe)
	at := st.attendAt
	if st.decline {
		at = st.declAt
	}
	if st.attend || st.decline {
		st.subject, st.subjectWords = subjectAt(cl, at, self)
	}
	if st.decline && (neitherSelfRe.MatchString(l) || nobodyRe.MatchString(l)) {
		// "Hverken bibliotekschefen eller jeg har mulighed": the writer too; "Der kommer ikke
		// nogen i stedet for hende": no one of the party
		st.subject, st.subjectWords = subjSelf, ""
	}
	return st
}

// readMarks reads the words that colour a clause: a promise, a lean, an open choice, an
// earlier plan, a preference, a change, an option, a day taken, a question. It returns the
// clause with a promise blanked out: "vender tilbage med en tilmelding" promises, it does
// not sign up.
func (st *stance) readMarks(l string) string {
	if loc := promiseRe.FindStringIndex(l); loc != nil {
		st.promise = true
		l = blank(l, loc)
	}
	if loc := feelingRe.FindStringIndex(l); loc != nil {
		l = blank(l, loc) // "Det er med beklagelse": a feeling, not "er med"
	}
	st.hedge = hedgeRe.MatchString(l) && !strings.Contains(l, "forsinket")
	st.open = openRe.MatchString(hearingBlanked(l)) && !eitherNumbersRe.MatchString(l) && !ownProvisoRe.MatchString(l)
	st.past = pastRe.MatchString(l)
	st.prefer = preferRe.MatchString(l)
	st.change = changeRe.MatchString(l)
	st.option = optionRe.MatchString(l)
	st.busy = outsideRelative(busyRe, l)
	st.registrar = registrarRe.MatchString(l)
	if loc := companionCueRe.FindStringIndex(l); loc != nil {
		st.companion, st.companionAt, st.companionEnd = true, loc[0], loc[1]
		cue := l[loc[0]:loc[1]]
		for _, p := range []string{"kommer", "komme", "tager med", "tager også med", "også", "vil", "med mig", "kører med"} {
			st.alongBefore = st.alongBefore || strings.HasPrefix(strings.TrimLeft(cue, " ,.;:"), p)
		}
		if strings.Contains(cue, " med ") && !strings.HasSuffix(strings.TrimSpace(cue), " med") && !strings.HasPrefix(strings.TrimLeft(cue, " ,.;:"), "med mig") {
			st.alongBefore = false // "Birgitte kommer til Roskilde med kommunens konsulent": the one along after
		}
	}
	st.asks = st.asks || (questionCueRe.MatchString(l) || requests(l)) && !atMeetingRe.MatchString(l)
	if st.otherEvent = outsideRelative(otherEventRe, l); st.otherEvent {
		st.busy = true // "jeg er til budgetseminar", "deltager i KL's konference den dag"
	}
	if !st.promise && confirmLaterRe.MatchString(l) {
		st.promise = true // "men jeg bekræfter, så snart ..."
	}
	return l
}

// feelingRe finds the feeling an answer is given with ("Det er med beklagelse, men …"), which
// must not read as "er med".
var feelingRe = regexp.MustCompile(`med (?:stor |dyb |største |megen )?(?:beklagelse|glæde|tak|interesse)`)

// requests says whether a clause asks the organiser to do something; asking for the agreement
// ("Send gerne tilslutningsaftalen, så snart den er klar") asks for what every municipality is
// sent anyway, which needs no one.
func requests(l string) bool {
	if loc := redirectRe.FindStringIndex(l); loc != nil && !contactOnlyRe.MatchString(l[:loc[0]]) {
		return true
	}
	loc := requestRe.FindStringIndex(l)
	if loc == nil {
		loc = askVerbFirstRe.FindStringIndex(l)
	}
	return loc != nil && !strings.Contains(l[loc[0]:], "aftale")
}

// contactOnlyRe finds inquiries as what is directed to someone ("praktiske henvendelser kan
// rettes til mig", "spørgsmål kan rettes til vores konsulent"): where to ask, not where the
// campaign's letters go.
var contactOnlyRe = wordsRe(`henvendelse\p{L}*|spørgsmål\p{L}*|forespørgsl\p{L}*|kontakt\p{L}*`)

// redirectRe finds a request to send the campaign's letters to someone else than the invitee
// ("Tilslutningsaftalen kan sendes til kulturchef Hanne Bager", "Send venligst aftalen til
// min souschef"): the staff must change where they go, the agreement included.
var redirectRe = wordsRe(`bedes (sendt|fremsendt|mailet|stilet) (direkte |i stedet )?til (mig|os|vores|min|\p{L}*chef|\p{L}*konsulent|\p{L}*leder|\p{L}*sekretær)|(kan|skal|bedes|må) (gerne |venligst |derfor |i stedet |fremover )?(sendes|fremsendes|mailes|stiles|rettes) (direkte |i stedet )?til (mig|os|vores|min|\p{L}*chef|\p{L}*konsulent|\p{L}*leder|\p{L}*sekretær)|send (venligst |gerne |derfor |i stedet )?(den|aftalen|tilslutningsaftalen|materialet|invitationen) (direkte |i stedet )?til (mig|vores|min|\p{L}*chef|\p{L}*konsulent|\p{L}*leder|\p{L}*sekretær)`)

// askVerbFirstRe finds a question to the organiser written with no question mark ("Kan I
// reservere en parkeringsplads til mig.", "Vil du sende programmet").
var askVerbFirstRe = regexp.MustCompile(`^(?:og |men )?(?:kan|vil|gider) (?:i|du) (?:\p{L}+ )?\p{L}+`)

// takesUpRe finds a matter taken up or a position taken on it, no meeting taken: "tager … op"
// ("Aftalen tager vi op i udvalget i marts"), "tage stilling til" ("Om vi går med, tager
// byrådet stilling til i marts").
var takesUpRe = regexp.MustCompile(`^tager?\s(?:\p{L}+\s){0,3}(?:op|stilling)(?:$|[^\p{L}])`)

// takesUp says whether words that start with "tage" or "tager" (a cue of going, or the rest of
// a clause from its verb on) take a matter up or a position on it.
func takesUp(s string) bool {
	return takesUpRe.MatchString(strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }))
}

// readVerbs finds whether the clause comes or declines, with the negation read where it
// stands; notMe is where the clause says the writer is not the one (notMeRe), nil nowhere.
func (st *stance) readVerbs(l string, notMe []int) {
	if loc := declineCueRe.FindStringIndex(l); loc != nil && !restrictedAfter(l, loc) && !(st.open && openRe.MatchString(l[loc[0]:])) {
		st.decline, st.declAt = true, loc[0] // "kan ikke svare endnu" leaves it open; it refuses nothing
	}
	if loc := attendCueRe.FindStringIndex(l); loc != nil && !takesUp(l[loc[0]:loc[1]]) {
		st.attend, st.attendAt = true, loc[0]
		if !st.decline && (negatedAt(l, loc) || negatedInside(l[loc[0]:loc[1]])) {
			// "Vi ses ikke i Vejle", "hvis vi ikke kommer": the verb negated.
			st.decline, st.declAt, st.attend = true, loc[0], false
		}
	}
	switch {
	case st.companion && !st.attend && !st.decline && strings.Contains(l[st.companionAt:st.companionEnd], " ikke "):
		st.decline, st.declAt = true, st.companionAt // "Jeg tager ikke selv med": the writer does not come
	case st.companion && !st.attend:
		st.attend, st.attendAt = true, st.companionAt // "jeg tager vores souschef med": we come
	}
	if st.attend && strings.Contains(l, "skal være med") && !mentionsMeetingWord(l) {
		st.attend = false // "Varde skal være med": in the project
	}
	if st.attend && !st.decline && (noOneRe.MatchString(l) || nobodyRe.MatchString(l)) {
		st.decline, st.declAt, st.attend = true, st.attendAt, false // "Ingen fra Ærø deltager", "Der deltager ingen andre"
	}
	if st.decline && onlyThoseRe.MatchString(l[st.declAt:]) {
		st.decline = false // "Der kommer ingen andre end mig": only the one named comes
	}
	if st.decline && nejCorrectsRe.MatchString(l) {
		st.decline, st.change = false, true // "Nej, undskyld – Roskilde!": a correction, no refusal
	}
	if st.decline && notDeclinedRe.MatchString(l) {
		st.decline = false // "vi har ikke meldt fra": a refusal denied
	}
	if st.decline && fixedRe.MatchString(l) {
		// "og det kan ikke flyttes": another appointment that stays, a day taken, no answer
		st.decline, st.busy = false, true
	}
	if st.decline && st.attend && st.attendAt >= st.declAt && st.attendAt < st.declAt+30 {
		st.attend = false // "kan ikke komme", "kommer ikke": the verb is inside the refusal
	}
	if loc := burdenAt(l); loc != nil && (!st.attend || st.attendAt >= loc[0]) {
		// "Det koster os en overnatning at komme til Roskilde": the way there weighed, no coming
		st.attend, st.busy = false, true
	}
	if loc := longDayRe.FindStringIndex(l); loc != nil && st.attend && st.attendAt >= loc[0] {
		// "bliver det en hel dag for et møde på to timer": the way there weighed, no choice
		st.attend, st.busy = false, true
	}
	if notMe != nil && (!st.decline || st.declAt > notMe[0]) {
		st.decline, st.declAt, st.attend = true, notMe[0], false // "Det er ikke mig, der kommer"
	}
	if st.attend && agreementObjRe.MatchString(l) && !mentionsMeetingWord(l) {
		// "ser frem til at modtage tilslutningsaftalen", "vi går med i projektet"
		st.agreementTalk, st.attend = true, false
	}
}

// longDayRe finds "det bliver" said of the cost of going ("bliver det en hel dag", "det bliver
// en lang tur"), not of a choice.
var longDayRe = wordsRe(`det bliver ` + longDay + `|bliver det ` + longDay)

const longDay = `(\p{L}+ ){0,2}(en hel dag|hele dagen|en lang (dag|tur|rejse)|for langt|for dyrt|for besværligt|svært|besværligt|umuligt|dyrt)`

// keepsPlace finds a registration kept ("vi beholder gerne vores pladser i Roskilde", "vi
// fastholder vores tilmelding", "vi forbliver tilmeldt"): coming, to the meeting named or the
// one registered for.
const keepsPlace = `behold\p{L}* (gerne |bare |blot |stadig |fortsat |altså |så )?(vores |min |mine |de |den |begge |vores to )?(plads|pladser|pladsen|pladserne|tilmelding\p{L}*)|fastholde\p{L}* (gerne |bare |altså |så )?(vores |min |den )?(tilmelding\p{L}*|plads\p{L}*|deltagelse)|forbliver (\p{L}+ )?tilmeldt`

// putInCalendar finds the meeting put in the calendar ("sat mødet i kalenderen", "skrevet det
// ind i min kalender"), each verb an alternative of its own so that the phrases keep their
// literal beginnings (keyed.go).
var putInCalendar = func() string {
	var alts []string
	for _, v := range strings.Fields("sat sætter sætte skrevet skriver skrive noteret noterer lagt lægger booket reserveret ført står") {
		alts = append(alts, v+`( \p{L}+){0,4} (ind )?i (kalenderen|min kalender|vores kalender|kalendere\p{L}*)`)
	}
	return strings.Join(alts, "|")
}()

// burdenAt finds the way to a meeting weighed as a burden; only a clause with an infinitive
// ("at komme") can.
func burdenAt(l string) []int {
	if !strings.Contains(l, " at ") {
		return nil
	}
	return burdenRe.FindStringIndex(l)
}

// negatedAt says whether the verb at loc is negated: "ikke" right after it or right before
// it, not scoped to a word that follows ("ikke alene", "ikke kun", "ikke selv").
func negatedAt(l string, loc []int) bool {
	after := l[loc[1]:min(len(l), loc[1]+24)]
	if i := strings.IndexAny(after, ",.;:!?"); i >= 0 {
		after = after[:i]
	}
	words := strings.Fields(after)
	for i, w := range words {
		if i > 2 {
			break
		}
		if w == "ikke" || w == "hverken" {
			if k := strings.Index(l[loc[1]:], "ikke"); w == "ikke" && k >= 0 && partOfDayRe.MatchString(l[loc[1]+k+len("ikke"):]) {
				return false // "jeg deltager ikke i hele mødet": leaving early
			}
			return i+1 >= len(words) || !restrictedByIkke(strings.Trim(words[i+1], ",.;:!?"))
		}
	}
	before := strings.Fields(l[max(0, loc[0]-12):loc[0]])
	return len(before) > 0 && before[len(before)-1] == "ikke"
}

// negatedInside says whether "ikke" stands among the words of a cue of coming ("vi tager ikke
// til et af de andre møder", "tager altså ikke derover"), not restricting the word after it
// ("tager ikke alene til Vejle").
func negatedInside(cue string) bool {
	words := strings.Fields(cue)
	for i, w := range words {
		if w == "ikke" && i+1 < len(words) && !restrictedByIkke(words[i+1]) {
			return true
		}
	}
	return false
}

// restrictedAfter says whether a refusal found at loc ends in "ikke" that restricts the word
// after it ("jeg kommer ikke alene": more come, not fewer) or the part of the meeting after it
// ("jeg deltager ikke i hele mødet": leaving early, still coming).
func restrictedAfter(l string, loc []int) bool {
	m := strings.TrimRightFunc(l[loc[0]:loc[1]], func(r rune) bool { return !unicode.IsLetter(r) })
	if !strings.HasSuffix(m, "ikke") {
		return false
	}
	end := loc[0] + len(m)
	rest := strings.Fields(l[end:min(len(l), end+12)])
	if len(rest) == 0 {
		return false
	}
	w := strings.Trim(rest[0], ",.;:!?")
	return restrictedByIkke(w) && w != "selv" || otherVerbAfterIkke[w] || partOfDayRe.MatchString(l[end:]) || notFoundRe.MatchString(l[end:])
}

// otherVerbAfterIkke are verbs whose negation says nothing about coming ("jeg kan ikke undvære
// min konsulent den dag, så hun kommer med", "vi kan ikke vente med at se løsningen").
var otherVerbAfterIkke = map[string]bool{"undvære": true, "undgå": true, "vente": true, "forestille": true, "takke": true,
	"understrege": true, "forstå": true, "anbefale": true, "rose": true}

// notFoundRe finds what the writer cannot find or make out after "ikke" ("kan ikke se det af
// mailen", "kan ikke finde, hvor mødet er"): a question of fact, no refusal of coming.
var notFoundRe = regexp.MustCompile(`^\s+(?:se|finde|læse|gennemskue|overskue)(?:\s+(?:det|den|noget|af|i|hvad|hvor|hvordan|hvornår|hvilke\p{L}*|om)(?:$|[^\p{L}])|\s*[,.?]|$)`)

// partOfDayRe finds a part of the meeting after "ikke" ("jeg deltager ikke i hele mødet", "kan
// ikke blive hele tiden", "deltager ikke til frokosten"): the rest is still attended.
var partOfDayRe = regexp.MustCompile(`^\s+(?:(?:blive|være|deltage|være med)\s+)?(?:i\s+|til\s+|under\s+)?(?:hele\s+(?:mødet|dagen|tiden|arrangementet|programmet|formiddagen)|resten|frokost\p{L}*|sidste\s+(?:del|halvdel|time)|anden\s+del)(?:$|[^\p{L}])`)

func restrictedByIkke(w string) bool {
	switch w {
	case "alene", "kun", "bare", "blot", "selv", "længere":
		return true
	}
	return false
}

// blank replaces a span of s with spaces, keeping offsets.
func blank(s string, loc []int) string {
	return s[:loc[0]] + strings.Repeat(" ", loc[1]-loc[0]) + s[loc[1]:]
}

// mentionsMeetingWord says whether a clause speaks of the meetings themselves.
func mentionsMeetingWord(l string) bool {
	return strings.Contains(l, "møde") || strings.Contains(l, "meeting")
}

// subjectAt finds the subject of the verb at byte offset at: a subject pronoun right after the
// verb (Danish inverts after a fronted phrase: "Roskilde kan jeg ikke", "deltager vi ikke"),
// else the nearest person or party before it, else the first after it.
func subjectAt(cl clause, at int, self *selfNames) (subjKind, string) {
	toks := tokens(cl.text)
	verb := -1
	for i, t := range toks {
		if t.start >= at {
			verb = i
			break
		}
	}
	if verb < 0 {
		verb = len(toks)
	}
	// "har bedt mig melde afbud": the one asked does what is asked, for the party.
	for k := 1; k <= 2 && verb-k-1 >= 0; k++ {
		if w := toks[verb-k].lower; w == "mig" || w == "os" {
			switch toks[verb-k-1].lower {
			case "bedt", "beder", "bad", "bedes":
				return subjSelf, toks[verb-k].text
			}
		}
	}
	// Inverted: the verb and at most one adverb before the subject pronoun.
	for i := verb + 1; i < len(toks) && i <= verb+2; i++ {
		if toks[i].lower == "de" && i+1 < len(toks) && articleNext(toks[i+1].lower) {
			break // "ingen af de tre datoer": an article
		}
		if k := pronounKind(toks[i].lower); k != subjNone {
			return k, toks[i].text
		}
	}
	for i := verb - 1; i >= 0; i-- {
		if k, w := subjectToken(toks, i, self); k != subjNone {
			return k, w
		}
	}
	for i := verb + 1; i < len(toks) && i <= verb+6; i++ {
		if k, w := subjectToken(toks, i, self); k != subjNone {
			return k, w
		}
	}
	return subjNone, ""
}

// pronounKind is the kind of a subject pronoun, subjNone for any other word.
func pronounKind(w string) subjKind {
	switch w {
	case "jeg", "vi", "undertegnede", "we", "i'll", "we'll":
		return subjSelf
	case "han", "hun", "he", "she":
		return subjThird
	case "de", "they":
		return subjThird
	case "du", "you":
		return subjYou
	}
	return subjNone
}

// subjectToken reads token i as a possible subject.
func subjectToken(toks []token, i int, self *selfNames) (subjKind, string) {
	t := toks[i]
	if t.text == "I" {
		switch {
		case englishish(toks):
			return subjSelf, t.text
		case i == 0 && i+1 < len(toks) && prepositionI(toks[i+1]):
			return subjNone, "" // "I stedet for mig kommer ...", "I morgen": the preposition
		}
		return subjYou, t.text
	}
	if k := pronounKind(t.lower); k != subjNone {
		if t.lower == "de" && i+1 < len(toks) && articleNext(toks[i+1].lower) {
			return subjNone, ""
		}
		return k, t.text
	}
	if self.is(t.lower) || t.lower == "kommunen" || t.lower == "biblioteket" || t.lower == "bibliotekerne" || institutionOf(toks, i, self) {
		return subjSelf, t.text
	}
	if roleRe.MatchString(t.lower) && !strings.HasPrefix(t.lower, "bibliotekssystem") {
		if placeBefore(toks, i) && strings.HasSuffix(t.lower, "gruppen") {
			return subjNone, "" // "Vi har i ledergruppen besluttet": where, not who
		}
		return subjThird, t.text
	}
	if t.name && (placeBefore(toks, i) || self.meetingCity(t.lower)) {
		return subjNone, "" // "Det passer os ikke i Vejle", "Vejle passer os ikke": a place, no subject
	}
	if t.name && !self.other(t.lower) {
		return subjThird, t.text
	}
	if t.name {
		return subjThird, t.text // another municipality
	}
	return subjNone, ""
}

// institutionOf says whether token i is the writer's own library or municipality named in
// full ("Hvidovre Bibliotek deltager ikke i dialogmøderne"): the party, not a third person.
func institutionOf(toks []token, i int, self *selfNames) bool {
	switch toks[i].lower {
	case "bibliotek", "bibliotekerne", "kommune":
		return i > 0 && self.is(toks[i-1].lower)
	}
	return false
}

// prepositionI says whether the word after a sentence's first "I" makes it the preposition
// "i" ("I stedet", "I morgen", "I Vejle", "I 2012"), not the organiser addressed.
func prepositionI(next token) bool {
	if next.name || next.lower != "" && next.lower[0] >= '0' && next.lower[0] <= '9' {
		return true
	}
	switch next.lower {
	case "stedet", "morgen", "dag", "går", "aften", "øvrigt", "forvejen", "forbindelse", "mellemtiden", "løbet",
		"starten", "slutningen", "hans", "hendes", "deres", "vores", "min", "mit", "den", "det", "de", "denne", "dette",
		"næste", "sidste", "år", "hele", "alle", "så", "fald", "forhold", "modsætning", "februar", "marts", "uge":
		return true
	}
	return false
}

func articleNext(w string) bool {
	switch w {
	case "to", "tre", "andre", "øvrige", "første", "sidste", "fleste", "nye", "tre,":
		return true
	}
	return false
}
