using System.Globalization;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// A metric formula of a scenario, such as <c>0.9-abs(lr-0.01)*10</c>: numbers, <c>+ - * / ^</c>, parentheses,
/// the functions <c>abs min max log exp sqrt</c> and the names of the trial's parameters.
/// </summary>
/// <remarks>
/// Parsed once into a tree so that a malformed formula is reported when the scenario is read, not when a trial
/// finishes. A parameter whose name has characters an identifier cannot hold (<c>learning-rate</c>) is written with
/// underscores (<c>learning_rate</c>).
/// </remarks>
internal sealed class MetricFormula
{
    private readonly Node _root;

    private MetricFormula(string text, Node root)
    {
        Text = text;
        _root = root;
    }

    /// <summary>The formula as written.</summary>
    public string Text { get; }

    /// <summary>Parses a formula.</summary>
    /// <exception cref="ScenarioFormatException">The formula is malformed; the message names the position.</exception>
    public static MetricFormula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseExpression();
        parser.ExpectEnd();
        return new MetricFormula(text, root);
    }

    /// <summary>Evaluates the formula with the given parameter values.</summary>
    /// <exception cref="ScenarioFormatException">A name in the formula is not a parameter, or its value is not a number.</exception>
    public double Evaluate(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return _root.Evaluate(name => Lookup(parameters, name));
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private double Lookup(IReadOnlyDictionary<string, string> parameters, string name)
    {
        string? raw = null;
        if (!parameters.TryGetValue(name, out raw))
        {
            // Katib parameter names often carry '-' or '.', which an identifier cannot: 'learning_rate' finds 'learning-rate'.
            foreach (var (key, value) in parameters)
            {
                if (string.Equals(Identifier(key), name, StringComparison.Ordinal))
                {
                    raw = value;
                    break;
                }
            }
        }

        if (raw is null)
        {
            throw new ScenarioFormatException($"metric formula '{Text}' names '{name}', which is not a parameter of the trial (parameters: {string.Join(", ", parameters.Keys)})");
        }

        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw new ScenarioFormatException($"metric formula '{Text}' uses parameter '{name}', whose value '{raw}' is not a number");
        }

        return number;
    }

    private static string Identifier(string parameterName)
    {
        var chars = parameterName.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private abstract record Node
    {
        public abstract double Evaluate(Func<string, double> variable);
    }

    private sealed record Number(double Value) : Node
    {
        public override double Evaluate(Func<string, double> variable) => Value;
    }

    private sealed record Variable(string Name) : Node
    {
        public override double Evaluate(Func<string, double> variable) => variable(Name);
    }

    private sealed record Negate(Node Operand) : Node
    {
        public override double Evaluate(Func<string, double> variable) => -Operand.Evaluate(variable);
    }

    private sealed record Binary(char Operator, Node Left, Node Right) : Node
    {
        public override double Evaluate(Func<string, double> variable)
        {
            var left = Left.Evaluate(variable);
            var right = Right.Evaluate(variable);
            return Operator switch
            {
                '+' => left + right,
                '-' => left - right,
                '*' => left * right,
                '/' => left / right,
                _ => Math.Pow(left, right),
            };
        }
    }

    private sealed record Call(string Function, IReadOnlyList<Node> Arguments) : Node
    {
        public override double Evaluate(Func<string, double> variable)
        {
            var values = Arguments.Select(a => a.Evaluate(variable)).ToArray();
            return Function switch
            {
                "abs" => Math.Abs(values[0]),
                "log" => Math.Log(values[0]),
                "exp" => Math.Exp(values[0]),
                "sqrt" => Math.Sqrt(values[0]),
                "min" => values.Min(),
                _ => values.Max(),
            };
        }
    }

    /// <summary>Recursive descent: expr = term (('+'|'-') term)*; term = unary (('*'|'/') unary)*;
    /// unary = '-' unary | power; power = primary ('^' unary)? (right-associative, binds tighter than unary minus).</summary>
    private sealed class Parser(string text)
    {
        private static readonly Dictionary<string, (int Min, int Max)> Functions = new(StringComparer.Ordinal)
        {
            ["abs"] = (1, 1),
            ["log"] = (1, 1),
            ["exp"] = (1, 1),
            ["sqrt"] = (1, 1),
            ["min"] = (1, int.MaxValue),
            ["max"] = (1, int.MaxValue),
        };

        private int _position;

        public Node ParseExpression()
        {
            var left = ParseTerm();
            while (TryTake('+') || TryTake('-'))
            {
                var op = text[_position - 1];
                left = new Binary(op, left, ParseTerm());
            }

            return left;
        }

        public void ExpectEnd()
        {
            SkipSpace();
            if (_position < text.Length)
            {
                throw Error($"unexpected '{text[_position]}'");
            }
        }

        private Node ParseTerm()
        {
            var left = ParseUnary();
            while (TryTake('*') || TryTake('/'))
            {
                var op = text[_position - 1];
                left = new Binary(op, left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (TryTake('-'))
            {
                return new Negate(ParseUnary());
            }

            if (TryTake('+'))
            {
                return ParseUnary();
            }

            var primary = ParsePrimary();
            return TryTake('^') ? new Binary('^', primary, ParseUnary()) : primary;
        }

        private Node ParsePrimary()
        {
            SkipSpace();
            if (_position >= text.Length)
            {
                throw Error("the formula ends where a number, a name or '(' was expected");
            }

            var c = text[_position];
            if (c == '(')
            {
                _position++;
                var inner = ParseExpression();
                Expect(')');
                return inner;
            }

            if (char.IsDigit(c) || c == '.')
            {
                return ParseNumber();
            }

            if (char.IsLetter(c) || c == '_')
            {
                var start = _position;
                while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] == '_'))
                {
                    _position++;
                }

                var name = text[start.._position];
                SkipSpace();
                if (_position < text.Length && text[_position] == '(')
                {
                    return ParseCall(name, start);
                }

                return new Variable(name);
            }

            throw Error($"unexpected '{c}'");
        }

        private Node ParseCall(string name, int start)
        {
            if (!Functions.TryGetValue(name, out var arity))
            {
                _position = start;
                throw Error($"unknown function '{name}' (known: {string.Join(", ", Functions.Keys)})");
            }

            _position++; // '('
            var arguments = new List<Node> { ParseExpression() };
            while (TryTake(','))
            {
                arguments.Add(ParseExpression());
            }

            Expect(')');
            if (arguments.Count < arity.Min || arguments.Count > arity.Max)
            {
                _position = start;
                throw Error($"function '{name}' takes {(arity.Max == 1 ? "one argument" : "one or more arguments")}, not {arguments.Count}");
            }

            return new Call(name, arguments);
        }

        private Number ParseNumber()
        {
            var start = _position;
            while (_position < text.Length && (char.IsDigit(text[_position]) || text[_position] == '.'))
            {
                _position++;
            }

            // An exponent: 1e-3, 2.5E+4.
            if (_position < text.Length && (text[_position] == 'e' || text[_position] == 'E'))
            {
                var mark = _position;
                _position++;
                if (_position < text.Length && (text[_position] == '+' || text[_position] == '-'))
                {
                    _position++;
                }

                if (_position < text.Length && char.IsDigit(text[_position]))
                {
                    while (_position < text.Length && char.IsDigit(text[_position]))
                    {
                        _position++;
                    }
                }
                else
                {
                    _position = mark;
                }
            }

            var literal = text[start.._position];
            if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                _position = start;
                throw Error($"'{literal}' is not a number");
            }

            return new Number(value);
        }

        private bool TryTake(char c)
        {
            SkipSpace();
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!TryTake(c))
            {
                throw Error(_position < text.Length ? $"expected '{c}' but found '{text[_position]}'" : $"expected '{c}' at the end");
            }
        }

        private void SkipSpace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        private ScenarioFormatException Error(string what) =>
            new($"metric formula '{text}', position {_position + 1}: {what}");
    }
}
