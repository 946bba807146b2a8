namespace Glimpse.Model.Text;

/// <summary>A half-open range [Start, End) of UTF-16 characters in the encoded text.</summary>
public readonly record struct CharSpan(int Start, int End)
{
    public int Length => End - Start;

    /// <summary>
    /// Whether the token with this span carries text of <paramref name="range"/>: it overlaps the range, or it is
    /// an empty span (a token with no characters of its own, such as an inserted word-boundary marker) strictly
    /// inside it. A token that straddles a boundary of the range counts, since part of its text is in the range.
    /// </summary>
    public bool Touches(CharSpan range) => Length == 0
        ? Start > range.Start && Start < range.End
        : Start < range.End && End > range.Start;
}

/// <summary>
/// Token ids with the characters of the input each token came from. <see cref="Offsets"/>[i] is null for a token
/// that the tokenizer's post-processor added (BOS, EOS …) and that therefore has no text.
/// </summary>
public sealed record TextEncoding(long[] Ids, CharSpan?[] Offsets);
