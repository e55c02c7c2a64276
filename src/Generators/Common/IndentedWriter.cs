using System.Text;

namespace Gen.Generators.Common;

/// <summary>Writes generated C# with block indentation.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _sb = new();
    private int _depth;

    /// <summary>Writes <paramref name="text"/> at the current depth (each of its lines, if it has several).</summary>
    public IndentedWriter Line(string text = "")
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0) _sb.Append(' ', _depth * 4).Append(line.TrimEnd('\r'));
            _sb.Append('\n');
        }
        return this;
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until <see cref="Close"/>.</summary>
    public IndentedWriter Open(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return this;
    }

    public IndentedWriter Close(string suffix = "")
    {
        _depth--;
        return Line("}" + suffix);
    }

    public override string ToString() => _sb.ToString();
}
