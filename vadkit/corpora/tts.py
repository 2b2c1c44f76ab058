"""Speech synthesis with espeak-ng (the library and voice data shipped by pip's `espeakng-loader`).

A voice name is `<language>[+<variant>]`, e.g. `en+f3`, `pt-BR+m4`: languages are the files under
`<data>/lang/`, variants the files under `<data>/voices/!v/`.

espeak-ng keeps one global synthesizer per process, so every `Synthesizer` in a process shares it
(not thread-safe; use processes for parallel work).  It also keeps state from one call to the next
(e.g. the phase of its pitch flutter), so the same text comes out slightly differently each time:
`Synthesizer.reset(seed)` reloads the library, after which the output depends only on the seed and on
what is synthesized from then on (provided no other module in the process holds libespeak-ng open).
"""
from __future__ import annotations

import _ctypes
import ctypes
import logging
import os
from dataclasses import dataclass

import numpy as np

from vadkit.errors import InputError

log = logging.getLogger(__name__)

# espeak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_EE_OK, _EE_NOT_FOUND = 0, 2
# Default 100 clips several variants at full scale; 60 keeps their peaks below 1.
_VOLUME_PERCENT = 60

# A few dozen common words per language (keyed by the part of the voice language before '-'),
# drawn into random sentences: enough for varied phoneme sequences, not meant to make sense.
WORDS: dict[str, str] = {
    "en": "the time people year way day man thing woman life child world school state family "
          "student group country problem hand part place case week company system program question "
          "work night point home water room mother area money story fact month lot right study book "
          "eye job word business issue side kind head house service friend father power hour game",
    "es": "el tiempo persona año camino día hombre cosa mujer vida niño mundo escuela estado familia "
          "grupo país problema mano parte lugar caso semana empresa sistema pregunta trabajo noche "
          "punto casa agua cuarto madre dinero historia mes libro ojo palabra amigo padre hora juego",
    "fr": "le temps personne année chemin jour homme chose femme vie enfant monde école état famille "
          "groupe pays problème main partie lieu cas semaine entreprise système question travail nuit "
          "point maison eau chambre mère argent histoire mois livre oeil mot ami père heure jeu",
    "de": "die Zeit Mensch Jahr Weg Tag Mann Sache Frau Leben Kind Welt Schule Staat Familie Gruppe "
          "Land Problem Hand Teil Platz Fall Woche Firma System Frage Arbeit Nacht Punkt Haus Wasser "
          "Zimmer Mutter Geld Geschichte Monat Buch Auge Wort Freund Vater Stunde Spiel",
    "it": "il tempo persona anno strada giorno uomo cosa donna vita bambino mondo scuola stato famiglia "
          "gruppo paese problema mano parte posto caso settimana azienda sistema domanda lavoro notte "
          "punto casa acqua stanza madre soldi storia mese libro occhio parola amico padre ora gioco",
    "pt": "o tempo pessoa ano caminho dia homem coisa mulher vida criança mundo escola estado família "
          "grupo país problema mão parte lugar caso semana empresa sistema pergunta trabalho noite "
          "ponto casa água quarto mãe dinheiro história mês livro olho palavra amigo pai hora jogo",
    "nl": "de tijd mens jaar weg dag man ding vrouw leven kind wereld school staat familie groep land "
          "probleem hand deel plaats geval week bedrijf systeem vraag werk nacht punt huis water kamer "
          "moeder geld verhaal maand boek oog woord vriend vader uur spel",
    "pl": "czas człowiek rok droga dzień mężczyzna rzecz kobieta życie dziecko świat szkoła państwo "
          "rodzina grupa kraj problem ręka część miejsce sprawa tydzień firma system pytanie praca noc "
          "punkt dom woda pokój matka pieniądze historia miesiąc książka oko słowo przyjaciel ojciec",
    "sv": "tid människa år väg dag man sak kvinna liv barn värld skola stat familj grupp land problem "
          "hand del plats fall vecka företag system fråga arbete natt punkt hus vatten rum mor pengar "
          "historia månad bok öga ord vän far timme spel",
    "cs": "čas člověk rok cesta den muž věc žena život dítě svět škola stát rodina skupina země problém "
          "ruka část místo případ týden firma systém otázka práce noc bod dům voda pokoj matka peníze "
          "příběh měsíc kniha oko slovo přítel otec hodina hra",
    "ro": "timp om an drum zi bărbat lucru femeie viață copil lume școală stat familie grup țară "
          "problemă mână parte loc caz săptămână firmă sistem întrebare muncă noapte punct casă apă "
          "cameră mamă bani poveste lună carte ochi cuvânt prieten tată oră joc",
    "fi": "aika ihminen vuosi tie päivä mies asia nainen elämä lapsi maailma koulu valtio perhe ryhmä "
          "maa ongelma käsi osa paikka tapaus viikko yritys järjestelmä kysymys työ yö kohta koti vesi "
          "huone äiti raha tarina kuukausi kirja silmä sana ystävä isä tunti peli",
    "tr": "zaman insan yıl yol gün adam şey kadın hayat çocuk dünya okul devlet aile grup ülke sorun "
          "el parça yer durum hafta şirket sistem soru iş gece nokta ev su oda anne para hikaye ay "
          "kitap göz kelime arkadaş baba saat oyun",
    "id": "waktu orang tahun jalan hari pria hal wanita hidup anak dunia sekolah negara keluarga "
          "kelompok masalah tangan bagian tempat kasus minggu perusahaan sistem pertanyaan kerja malam "
          "titik rumah air kamar ibu uang cerita bulan buku mata kata teman ayah jam permainan",
    "hu": "idő ember év út nap férfi dolog nő élet gyerek világ iskola állam család csoport ország "
          "probléma kéz rész hely eset hét cég rendszer kérdés munka éjszaka pont ház víz szoba anya "
          "pénz történet hónap könyv szem szó barát apa óra játék",
    "ru": "время человек год дорога день мужчина вещь женщина жизнь ребёнок мир школа государство "
          "семья группа страна проблема рука часть место случай неделя компания система вопрос работа "
          "ночь точка дом вода комната мать деньги история месяц книга глаз слово друг отец час игра",
    "el": "χρόνος άνθρωπος έτος δρόμος μέρα άντρας πράγμα γυναίκα ζωή παιδί κόσμος σχολείο κράτος "
          "οικογένεια ομάδα χώρα πρόβλημα χέρι μέρος τόπος εβδομάδα εταιρεία σύστημα ερώτηση δουλειά "
          "νύχτα σημείο σπίτι νερό δωμάτιο μητέρα χρήματα ιστορία μήνας βιβλίο μάτι λέξη φίλος πατέρας",
    "sw": "wakati mtu mwaka njia siku mwanaume kitu mwanamke maisha mtoto dunia shule nchi familia "
          "kikundi tatizo mkono sehemu mahali kesi wiki kampuni mfumo swali kazi usiku nyumba maji "
          "chumba mama pesa hadithi mwezi kitabu jicho neno rafiki baba saa mchezo",
    "da": "tid menneske år vej dag mand ting kvinde liv barn verden skole stat familie gruppe land "
          "problem hånd del sted sag uge firma system spørgsmål arbejde nat punkt hus vand værelse mor "
          "penge historie måned bog øje ord ven far time spil",
}


@dataclass(frozen=True)
class Voice:
    """One synthetic talker: espeak voice name plus prosody settings."""
    name: str          # `<language>+<variant>`, e.g. "en+f3"
    rate_wpm: int      # speaking rate, words per minute (espeak accepts 80-450)
    pitch: int         # base pitch, 0-100 (espeak's default 50)
    pitch_range: int   # pitch variation, 0-100 (0 = monotone)


def data_path() -> str:
    """Directory of espeak-ng's voice data (`espeak-ng-data`)."""
    import espeakng_loader
    return espeakng_loader.get_data_path()


def available_variants() -> list[str]:
    """Names of the voice variants espeak-ng ships (the files in `<data>/voices/!v`), sorted."""
    return sorted(os.listdir(os.path.join(data_path(), "voices", "!v")))


class Synthesizer:
    """espeak-ng through ctypes, synchronous mode: `synthesize(text, voice, ...)` returns the samples.

    The library is loaded and initialised once per process; instances are cheap.
    """
    _lib: ctypes.CDLL | None = None
    _sample_rate_hz: int = 0
    _chunks: list[np.ndarray] = []
    _callback = None  # the ctypes callback must stay referenced, or it is garbage collected
    _variants: frozenset[str] = frozenset()

    def __init__(self) -> None:
        if Synthesizer._lib is None:
            Synthesizer._load()

    @classmethod
    def _load(cls) -> None:
        import espeakng_loader
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path().encode(), 0)
        if rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed ({rate}) with data {data_path()}")

        def collect(wav, n_samples, _events):
            if n_samples > 0:
                cls._chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
            return 0  # 0: continue synthesis

        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
        cls._callback = proto(collect)
        lib.espeak_SetSynthCallback(cls._callback)
        cls._lib, cls._sample_rate_hz = lib, int(rate)
        cls._variants = frozenset(available_variants())

    def reset(self, seed: int = 0) -> None:
        """Reload espeak-ng (fresh internal state) and seed its noise source (breathy voices).

        espeak_Terminate does not clear the state carried between calls; unloading the library does.
        """
        lib, Synthesizer._lib = Synthesizer._lib, None
        lib.espeak_Terminate()
        _ctypes.dlclose(lib._handle)
        Synthesizer._load()
        Synthesizer._lib.espeak_ng_SetRandSeed(int(seed))

    @property
    def sample_rate_hz(self) -> int:
        """Output rate of espeak-ng (22050 Hz)."""
        return self._sample_rate_hz

    def set_voice(self, name: str) -> None:
        """Select `<language>[+<variant>]`; an unknown language or variant raises InputError."""
        lang, _, variant = name.partition("+")
        # espeak silently falls back to the default variant for an unknown one, so check it here.
        if variant and variant not in self._variants:
            raise InputError(f"espeak-ng voice {name!r}: unknown variant {variant!r}; "
                             f"valid variants are the files in {data_path()}/voices/!v")
        rc = self._lib.espeak_SetVoiceByName(name.encode())
        if rc == _EE_NOT_FOUND:
            raise InputError(f"espeak-ng voice {name!r}: unknown language {lang!r}; "
                             f"valid languages are the files under {data_path()}/lang")
        if rc != _EE_OK:
            raise RuntimeError(f"espeak_SetVoiceByName({name!r}) failed with code {rc}")

    def synthesize(self, text: str, voice: str = "en", rate_wpm: int = 175, pitch: int = 50,
                   pitch_range: int = 50) -> tuple[np.ndarray, int]:
        """Speak `text`: (samples (n,) float32 in [-1, 1], sample_rate_hz = 22050).

        voice: `<language>[+<variant>]`; rate_wpm: 80-450; pitch, pitch_range: 0-100.
        """
        self.set_voice(voice)
        for param, value in ((_RATE, rate_wpm), (_VOLUME, _VOLUME_PERCENT), (_PITCH, pitch),
                             (_RANGE, pitch_range)):
            rc = self._lib.espeak_SetParameter(param, int(value), 0)
            if rc != _EE_OK:
                raise RuntimeError(f"espeak_SetParameter({param}, {value}) failed with code {rc}")
        raw = text.encode("utf-8")
        Synthesizer._chunks = []
        rc = self._lib.espeak_Synth(raw, len(raw) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if rc != _EE_OK:
            raise RuntimeError(f"espeak_Synth failed with code {rc} for voice {voice!r}")
        self._lib.espeak_Synchronize()
        chunks, Synthesizer._chunks = Synthesizer._chunks, []
        x = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        return (x.astype(np.float32) / 32768.0), self._sample_rate_hz

    def speak(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        """`synthesize` with a `Voice`: (samples (n,) float32, 22050)."""
        return self.synthesize(text, voice.name, voice.rate_wpm, voice.pitch, voice.pitch_range)


def random_sentence(rng: np.random.Generator, language: str, n_words_min: int = 2,
                    n_words_max: int = 15) -> str:
    """A random sentence of n_words_min..n_words_max words from the language's word list.

    Sometimes a comma (espeak pauses there) and a question mark (rising intonation) for variety.
    """
    base = language.split("-")[0].lower()
    if base not in WORDS:
        raise InputError(f"no word list for language {language!r}; languages with words: "
                         f"{', '.join(sorted(WORDS))}")
    words = WORDS[base].split()
    n = int(rng.integers(n_words_min, n_words_max + 1))
    picked = [words[i] for i in rng.integers(0, len(words), n)]
    if n >= 6 and rng.random() < 0.3:
        k = int(rng.integers(2, n - 2))
        picked[k] += ","
    return " ".join(picked) + ("?" if rng.random() < 0.2 else ".")


def random_voice(rng: np.random.Generator, languages: list[str], variants: list[str],
                 rate_wpm: tuple[int, int], pitch: tuple[int, int],
                 pitch_range: tuple[int, int]) -> Voice:
    """A talker drawn uniformly: language, variant and (min, max) ranges of rate, pitch, pitch range."""
    lang = languages[int(rng.integers(len(languages)))]
    variant = variants[int(rng.integers(len(variants)))]
    return Voice(f"{lang}+{variant}", int(rng.integers(rate_wpm[0], rate_wpm[1] + 1)),
                 int(rng.integers(pitch[0], pitch[1] + 1)),
                 int(rng.integers(pitch_range[0], pitch_range[1] + 1)))
