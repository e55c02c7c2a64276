using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static Gen.Schedules;

namespace Gen.Callbacks.Tests;

/// <summary>
/// Reads the schedule expressions the reference names its cases by — <c>SchedCos(1e-3, 1e-2)</c>,
/// <c>combined_cos(0.25, 0.01/25, 0.01, 0.01/1e5)</c>, <c>combine_scheds([0.3,0.2,0.5],[SchedLin(0.,1.),...])</c> —
/// and builds the same schedule with Gen. Anything else throws, so a case it cannot read fails its test.
/// </summary>
internal sealed class ScheduleExpression
{
    private readonly string _text;
    private readonly PhaseArithmetic _arithmetic;
    private int _at;

    private ScheduleExpression(string text, PhaseArithmetic arithmetic) => (_text, _arithmetic) = (text, arithmetic);

    /// <summary>The schedule (or, for per-group arrays, one schedule per group) that <paramref name="text"/> names.</summary>
    public static object Parse(string text, PhaseArithmetic arithmetic = PhaseArithmetic.Exact)
    {
        var parser = new ScheduleExpression(text, arithmetic);
        var value = parser.Value();
        parser.Skip();
        if (parser._at != text.Length) throw new FormatException($"Unread text at {parser._at} in '{text}'.");
        return value;
    }

    private object Value()
    {
        Skip();
        object value;
        if (Peek('[')) value = List();
        else if (char.IsLetter(_text[_at]) || _text[_at] == '_') value = Call();
        else value = Number();
        Skip();
        if (Peek('/')) { _at++; value = (double)value / (double)Value(); }
        return value;
    }

    private List<object> List()
    {
        Expect('[');
        var items = new List<object>();
        while (!Peek(']')) { items.Add(Value()); if (Peek(',')) _at++; }
        Expect(']');
        return items;
    }

    private object Call()
    {
        int start = _at;
        while (char.IsLetterOrDigit(_text[_at]) || _text[_at] == '_') _at++;
        var name = _text[start.._at];
        Expect('(');
        var args = new List<object>();
        while (!Peek(')')) { args.Add(Value()); Skip(); if (Peek(',')) _at++; }
        Expect(')');
        if (name == "combined_cos" && args.Skip(1).All(a => a is List<object>))
            return Enumerable.Range(0, ((List<object>)args[1]).Count)
                .Select(g => CombinedCos((double)args[0], At(args[1], g), At(args[2], g), At(args[3], g), _arithmetic)).ToArray();
        double D(int k) => (double)args[k];
        return name switch
        {
            "SchedLin" => SchedLin(D(0), D(1)),
            "SchedCos" => SchedCos(D(0), D(1)),
            "SchedNo" => SchedNo(D(0), D(1)),
            "SchedExp" => SchedExp(D(0), D(1)),
            "SchedPoly" => SchedPoly(D(0), D(1), D(2)),
            "combined_cos" => CombinedCos(D(0), D(1), D(2), D(3), _arithmetic),
            "combine_scheds" => CombineScheds(((List<object>)args[0]).Cast<double>().ToList(), ((List<object>)args[1]).Cast<Schedule>().ToList(), _arithmetic),
            _ => throw new FormatException($"Unknown schedule '{name}' in '{_text}'."),
        };
    }

    private static double At(object list, int g) => (double)((List<object>)list)[g];

    private double Number()
    {
        int start = _at;
        while (_at < _text.Length && (char.IsDigit(_text[_at]) || _text[_at] is '.' or 'e' or 'E' or '-' or '+')) _at++;
        return double.Parse(_text[start.._at], CultureInfo.InvariantCulture);
    }

    private void Skip() { while (_at < _text.Length && _text[_at] == ' ') _at++; }
    private bool Peek(char c) { Skip(); return _at < _text.Length && _text[_at] == c; }
    private void Expect(char c) { if (!Peek(c)) throw new FormatException($"Expected '{c}' at {_at} in '{_text}'."); _at++; }
}
