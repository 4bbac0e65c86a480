package sim

import (
	"fmt"
	"strings"
)

// Command is one scenario command: a name, arguments and an optional body,
// as a datadriven test file has them ("tick 30s every=5s" with a YAML body
// below it).
type Command struct {
	Name string
	Args []Arg
	// Input is the body between the command line and "----".
	Input string
	// Expected is the golden output, when parsed from a file.
	Expected string
	// Line is the command's line number in its file (1-based).
	Line int
}

// Arg is one argument: "n1" (Key only), "cpu=4", "show=(a, b)".
type Arg struct {
	Key  string
	Vals []string
}

func (a Arg) String() string {
	switch len(a.Vals) {
	case 0:
		return a.Key
	case 1:
		return a.Key + "=" + a.Vals[0]
	}
	return a.Key + "=(" + strings.Join(a.Vals, ", ") + ")"
}

// String renders the command line.
func (c Command) String() string {
	parts := []string{c.Name}
	for _, a := range c.Args {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, " ")
}

// ParseScenario parses a scenario file in the datadriven format: comments
// (#) and blank lines between commands; a command line; an optional body;
// "----"; the expected output up to a blank line (or, after "----" twice,
// up to the next "----" twice).
func ParseScenario(text string) ([]Command, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var cmds []Command
	for i := 0; i < len(lines); {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		cmd, err := ParseCommandLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		cmd.Line = i + 1
		i++
		var body []string
		for i < len(lines) && lines[i] != "----" {
			body = append(body, lines[i])
			i++
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: %s: no \"----\" after the command", cmd.Line, cmd.Name)
		}
		i++
		cmd.Input = strings.Join(body, "\n")
		var out []string
		if i < len(lines) && lines[i] == "----" {
			i++
			for i < len(lines) && !(lines[i] == "----" && i+1 < len(lines) && lines[i+1] == "----") {
				out = append(out, lines[i])
				i++
			}
			i += 2
		} else {
			for i < len(lines) && lines[i] != "" {
				out = append(out, lines[i])
				i++
			}
		}
		if len(out) > 0 {
			cmd.Expected = strings.Join(out, "\n") + "\n"
		}
		cmds = append(cmds, cmd)
	}
	return cmds, nil
}

// ParseCommandLine splits "cmd a b=c d=(e, f)" into a Command.
func ParseCommandLine(line string) (Command, error) {
	var toks []string
	depth, start := 0, -1
	for i, r := range line {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case (r == ' ' || r == '\t') && depth == 0:
			if start >= 0 {
				toks = append(toks, line[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if depth != 0 {
		return Command{}, fmt.Errorf("unbalanced parentheses in %q", line)
	}
	if start >= 0 {
		toks = append(toks, line[start:])
	}
	if len(toks) == 0 {
		return Command{}, fmt.Errorf("empty command")
	}
	cmd := Command{Name: toks[0]}
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			cmd.Args = append(cmd.Args, Arg{Key: t})
			continue
		}
		a := Arg{Key: k}
		if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") {
			for _, x := range strings.Split(v[1:len(v)-1], ",") {
				if x = strings.TrimSpace(x); x != "" {
					a.Vals = append(a.Vals, x)
				}
			}
		} else {
			a.Vals = []string{v}
		}
		cmd.Args = append(cmd.Args, a)
	}
	return cmd, nil
}
