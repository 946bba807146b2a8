namespace Glimpse.Model.Text;

/// <summary>How much of a token's text is known when it is aligned to the input.</summary>
internal enum PieceKind
{
    /// <summary>The token decodes to <see cref="TokenPiece.Surface"/> (possibly empty, possibly with spaces the input lacks).</summary>
    Text,
    /// <summary>The token holds only the first bytes of a character that a later token completes.</summary>
    Incomplete,
    /// <summary>The unknown token: it stands for input text that its own string does not show.</summary>
    Unknown,
}

internal readonly record struct TokenPiece(PieceKind Kind, string Surface);

/// <summary>
/// Recovers each token's character span in the input from the tokens' decoded text, because the tokenizer library
/// in use reports no offsets. Each token's decoded text is matched against the input in order. Whitespace may
/// differ (decoders drop it, join tokens with spaces or insert word-boundary markers); everything else must match
/// exactly. Spans leave out the whitespace around a token's visible text. An unknown token matches the shortest run
/// of input that lets every later token match. Where no alignment exists (a normalizer that lower-cases or strips
/// accents, for instance) it fails loudly rather than guess.
/// </summary>
internal static class TokenAligner
{
    public static CharSpan[] Align(string text, IReadOnlyList<TokenPiece> pieces)
    {
        var spans = new CharSpan[pieces.Count];
        var deadEnds = new HashSet<(int Piece, int Cursor)>();
        if (!AlignFrom(0, 0))
            throw new InvalidOperationException(
                "Cannot locate the tokens in the input text: the tokenizer changes the text in a way that decoding does " +
                "not undo (for example a lower-casing or accent-stripping normalizer), so token offsets are unavailable.");

        // A partial character belongs wherever the token that completes it is.
        for (int i = pieces.Count - 2; i >= 0; i--)
            if (pieces[i].Kind == PieceKind.Incomplete)
                spans[i] = spans[i + 1];
        return spans;

        // Matches pieces[first..] from text[cursor..]. Only unknown tokens branch, so the recursion is as deep as
        // the number of unknown tokens, and remembering failed (piece, cursor) states keeps the search polynomial.
        bool AlignFrom(int first, int cursor)
        {
            if (deadEnds.Contains((first, cursor))) return false;
            int c = cursor;
            for (int i = first; i < pieces.Count; i++)
            {
                if (pieces[i].Kind == PieceKind.Unknown)
                {
                    int start = SkipWhitespace(text, c);
                    for (int end = start + 1; end <= text.Length; end++)
                    {
                        spans[i] = WithoutSurroundingWhitespace(text, new CharSpan(start, end));
                        if (AlignFrom(i + 1, end)) return true;
                    }
                    deadEnds.Add((first, cursor));
                    return false;
                }
                if (!TryMatch(text, c, pieces[i], out CharSpan matched))
                {
                    deadEnds.Add((first, cursor));
                    return false;
                }
                spans[i] = WithoutSurroundingWhitespace(text, matched);
                c = matched.End;
            }
            // Trailing whitespace may have been dropped by the tokenizer; anything else left over is a mismatch.
            if (SkipWhitespace(text, c) == text.Length) return true;
            deadEnds.Add((first, cursor));
            return false;
        }
    }

    private static bool TryMatch(string text, int cursor, TokenPiece piece, out CharSpan span)
    {
        span = new CharSpan(cursor, cursor);
        if (piece.Kind == PieceKind.Incomplete || piece.Surface.Length == 0) return true;
        if (text.AsSpan(cursor).StartsWith(piece.Surface, StringComparison.Ordinal))
        {
            span = new CharSpan(cursor, cursor + piece.Surface.Length);
            return true;
        }
        // The decoded spacing differs from the input's (a space the decoder put between words, or a boundary marker
        // where the input has a newline): match the visible text after any whitespace. A token that is only
        // whitespace then covers no input.
        string visible = piece.Surface.Trim();
        if (visible.Length == 0) return true;
        int start = SkipWhitespace(text, cursor);
        if (!text.AsSpan(start).StartsWith(visible, StringComparison.Ordinal)) return false;
        span = new CharSpan(start, start + visible.Length);
        return true;
    }

    /// <summary>
    /// A token's offsets cover its visible characters only, as Hugging Face's trim_offsets does for byte-level BPE,
    /// so that the space a token carries in front of a word does not make it overlap the text before the word.
    /// A token that is only whitespace keeps its span.
    /// </summary>
    private static CharSpan WithoutSurroundingWhitespace(string text, CharSpan span)
    {
        int start = span.Start, end = span.End;
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return start < end ? new CharSpan(start, end) : span;
    }

    private static int SkipWhitespace(string text, int cursor)
    {
        while (cursor < text.Length && char.IsWhiteSpace(text[cursor])) cursor++;
        return cursor;
    }
}
