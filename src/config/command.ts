// The argument list an exec camera runs, from its config value: a list as it is, or a command line
// split into words (or handed to /bin/sh -c). Checked when the configuration is merged, so a bad
// quote is a start-up error naming the key.
/** Splits a command line into words as a shell would quote them ('…', "…", \x), without expanding
 * anything: no variables, globs, pipes or redirections (that is what `shell = true` is for).
 * Throws on an unbalanced quote or an empty command. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Error('unbalanced single quote');
      word += text.slice(i + 1, close);
      inWord = true;
      i = close;
    } else if (ch === '"') {
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        // Inside double quotes a backslash only escapes what a shell lets it escape.
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) i++;
        word += text[i];
      }
      if (i >= text.length) throw new Error('unbalanced double quote');
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new Error('a backslash at the end');
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error('empty command');
  return words;
}

/** The argument list to run: a list as it is; a string split into words, or handed to /bin/sh -c. */
export function commandArgv(command: string | string[], shell: boolean): string[] {
  if (shell) {
    if (typeof command !== 'string') throw new Error('with shell = true the command is one string for /bin/sh -c');
    return ['/bin/sh', '-c', command];
  }
  return typeof command === 'string' ? splitWords(command) : command;
}
