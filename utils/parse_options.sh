# Option parsing for our scripts, sourced with no arguments (". utils/parse_options.sh") after the caller has
# set its defaults and help_message; it reads and shifts the caller's "$@".
#   --foo-bar VALUE  sets foo_bar, which the caller must already have set (even to empty); a default of
#                    true/false makes the option boolean, an integer default makes it an integer (and
#                    --nj, the number of jobs in every script, a positive one). Parsing stops at the first
#                    argument not starting with "--"; a literal "--" ends the options.
#   --help, -h       prints $help_message to stdout and exits 0.
# The caller may also set (these are settings, not options):
#   nargs=N or N+    the number of arguments left after the options: exactly N, or at least N
#   renamed_options="--old:--new ..."   old names still accepted for one release, with a warning
#   old_first_arg=NAME   one argument more than nargs: the first sets NAME (the old form, before --NAME),
#                    with a warning
# Any mistake prints "<script>: <what is wrong>" and the help to stderr and exits 1.
# The work happens in functions so helper names stay local; they all start with "_po_", which no option can
# reach because option names must start with a lowercase letter.

_po_usage() {
  if [[ -n "${help_message+x}" ]]; then
    printf '%s\n' "$help_message"
  else
    printf 'Usage: %s [--option value ...] [args ...]\n' "${0##*/}"
  fi
}

_po_fail() {
  printf '%s: %s\n' "${0##*/}" "$1" >&2
  _po_usage >&2
  exit 1
}

_po_deprecated() {
  printf '%s: %s is deprecated (accepted until the next release); %s\n' "${0##*/}" "$1" "$2" >&2
}

_po_parse() {
  local _po_opt _po_name _po_pair
  _po_nused=0
  while (($# > 0)); do
    _po_opt=$1
    case $_po_opt in
      --) _po_nused=$((_po_nused + 1)); return 0 ;;
      --help | -h) _po_usage; exit 0 ;;
      --*=*) _po_fail "option '$_po_opt': write '${_po_opt%%=*} ${_po_opt#*=}' (a space, not '=')" ;;
      --*) ;;
      *) return 0 ;;
    esac
    for _po_pair in ${renamed_options:-}; do
      if [[ $_po_opt == "${_po_pair%%:*}" ]]; then
        _po_deprecated "$_po_opt" "use ${_po_pair#*:}"
        _po_opt=${_po_pair#*:}
      fi
    done
    _po_name=${_po_opt#--}
    _po_name=${_po_name//-/_}
    # Check the name's shape before the indirect expansion, which would fail on a non-identifier.
    if [[ ! $_po_name =~ ^[a-z][A-Za-z0-9_]*$ ]] || [[ -z "${!_po_name+x}" ]] \
      || [[ $_po_name =~ ^(help_message|nargs|renamed_options|old_first_arg)$ ]]; then
      _po_fail "unknown option '$_po_opt'"
    fi
    if (($# < 2)); then
      _po_fail "option '$_po_opt' needs a value"
    fi
    if [[ ${!_po_name} =~ ^(true|false)$ && ! $2 =~ ^(true|false)$ ]]; then
      _po_fail "option '$_po_opt' takes true or false, not '$2'"
    fi
    if [[ $_po_name == nj && ! $2 =~ ^[1-9][0-9]*$ ]]; then
      _po_fail "option '--nj' takes a positive integer (the number of jobs), not '$2'"
    fi
    if [[ ${!_po_name} =~ ^-?[0-9]+$ && ! $2 =~ ^-?[0-9]+$ ]]; then
      _po_fail "option '$_po_opt' takes an integer, not '$2'"
    fi
    # printf -v stores the value as plain data: nothing in it is evaluated.
    if ! printf -v "$_po_name" '%s' "$2" 2>/dev/null; then
      _po_fail "option '$_po_opt' cannot be set (read-only variable $_po_name)"
    fi
    _po_nused=$((_po_nused + 2))
    shift 2
  done
}

# _po_check_nargs "$@" (the arguments left): nargs and old_first_arg, see above.
_po_check_nargs() {
  local _po_want=${nargs%+}
  _po_nused=0
  if [[ -n ${old_first_arg:-} ]] && (($# == _po_want + 1)) && [[ $nargs != *+ ]]; then
    _po_deprecated "<${old_first_arg//_/-}> as the first argument" "write --${old_first_arg//_/-} $1"
    printf -v "$old_first_arg" '%s' "$1"
    _po_nused=1
    shift
  fi
  if (($# < _po_want)) || { [[ $nargs != *+ ]] && (($# > _po_want)); }; then
    _po_fail "expected ${nargs/+/ or more} arguments after the options, got $#"
  fi
}

_po_parse "$@"
shift "$_po_nused"
if [[ -n ${nargs:-} ]]; then
  _po_check_nargs "$@"
  shift "$_po_nused"
fi
unset -v _po_nused
unset -f _po_parse _po_usage _po_fail _po_deprecated _po_check_nargs
