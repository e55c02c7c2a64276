using System.Text;

namespace Gen.Generators.Common;

/// <summary>Writes generated C# with block indentation.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _sb = new();
    private int _depth;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0) _sb.Append(' ', _depth * 4).Append(text);
        _sb.Append('\n');
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
