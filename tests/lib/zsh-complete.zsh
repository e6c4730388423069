# zsh -f zsh-complete.zsh FPATH_DIR LINE...: prints each LINE as an
# interactive zsh (on a pty, with FPATH_DIR's completion functions) completes
# it after one TAB. For tests of generated zsh completion scripts.
zmodload zsh/zpty
dir=$1
shift
zpty z 'TERM=dumb zsh -f -i'
zpty -w z "unsetopt zle_bracketed_paste; PS1='P> '; fpath=($dir \$fpath)"
zpty -w z "autoload -Uz compinit; compinit -u -d $dir/.zcompdump; ksbpf() { :; }"
# Split so that the echo of the command does not match.
zpty -w z "print RE''ADY"
zpty -r z out '*READY*'
integer i
for line; do
	i+=1
	zpty -r z out '*P> '	# zle reads the next line
	zpty -w -n z "$line"$'\t'
	# The completed line then runs (ksbpf is a no-op here) with a marker.
	zpty -w z " #E""ND$i"
	zpty -r z out "*#END$i*"
	out=${out//$'\e'\[\?2004[hl]/}
	out=${out##*P> }
	print -r -- "${out%%\#END*}"
done
zpty -d z
