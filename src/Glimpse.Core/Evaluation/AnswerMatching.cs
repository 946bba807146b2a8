using System.Text.RegularExpressions;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// Exact-answer accuracy after the normalisation every short-answer VQA comparison needs: case folded, runs of white
/// space made one space, the ends trimmed, and trailing punctuation (. , ; : ! ?) dropped, so "Red." matches "red".
/// Nothing else is forgiven (no articles, synonyms or number words).
/// </summary>
public static partial class AnswerMatching
{
    public static string Normalize(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        string collapsed = Whitespace().Replace(answer, " ").Trim().ToLowerInvariant();
        return collapsed.TrimEnd('.', ',', ';', ':', '!', '?', ' ');
    }

    public static bool Matches(string answer, string expected) => Normalize(answer) == Normalize(expected);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
