namespace Glimpse.Model.Text;

/// <summary>
/// What the chat templates share: a prompt rendered as <c>prefix + question + suffix</c>, with one image placeholder
/// token in the template part.
/// <para>
/// The prompt is tokenized as one text, as the Hugging Face processors do. With BPE, the tokens at the question's
/// edges can then differ from tokenizing the question alone (a merge may span the boundary), so P is read from
/// token offsets in the rendered text: a token is in P when its characters overlap the question's. A token that
/// straddles the boundary carries question text and counts.
/// </para>
/// </summary>
internal static class QuestionPrompt
{
    public static PromptLayout Build(
        TextTokenizer tokenizer,
        string prefix,
        string question,
        string suffix,
        string imagePlaceholder,
        long? configuredImageTokenId,
        IEnumerable<string> templateTokens,
        int imageTokenCount,
        string? imageExpansion = null)
    {
        if (string.IsNullOrWhiteSpace(question))
            throw new ArgumentException("The question is empty or whitespace; GLIMPSE's prompt map needs question tokens.", nameof(question));
        string? special = tokenizer.SpecialTokens.FirstOrDefault(t => question.Contains(t, StringComparison.Ordinal));
        if (special is not null)
            throw new ArgumentException(
                $"The question contains the special token \"{special}\", which the tokenizer would read as a control token, not text.",
                nameof(question));
        ArgumentOutOfRangeException.ThrowIfLessThan(imageTokenCount, 1);

        foreach (string token in templateTokens.Append(imagePlaceholder))
            if (tokenizer.TokenToId(token) is null)
                throw new InvalidOperationException($"The tokenizer has no \"{token}\" token, which this chat template needs.");
        long imageTokenId = tokenizer.TokenToId(imagePlaceholder)!.Value;
        if (configuredImageTokenId is { } configured && configured != imageTokenId)
            throw new InvalidOperationException(
                $"The model config gives image token id {configured}, but the tokenizer has \"{imagePlaceholder}\" = {imageTokenId}.");

        string text = prefix + question + suffix;
        if (imageExpansion is not null)
            return BuildExpanded(tokenizer, prefix, question, suffix, imagePlaceholder, imageTokenId, imageTokenCount, imageExpansion);
        var questionSpan = new CharSpan(prefix.Length, prefix.Length + question.Length);
        TextEncoding encoding = tokenizer.EncodeWithOffsets(text);
        int placeholders = encoding.Ids.Count(id => id == imageTokenId);
        if (placeholders != 1)
            throw new InvalidOperationException(
                $"The rendered prompt holds {placeholders} \"{imagePlaceholder}\" tokens instead of one: {text}");

        var ids = new List<long>(encoding.Ids.Length + imageTokenCount - 1);
        var image = new List<int>(imageTokenCount);
        var questionPositions = new List<int>();
        var template = new List<int>();
        for (int i = 0; i < encoding.Ids.Length; i++)
        {
            long id = encoding.Ids[i];
            if (id == imageTokenId)
            {
                for (int k = 0; k < imageTokenCount; k++)
                {
                    image.Add(ids.Count);
                    ids.Add(id);
                }
                continue;
            }
            bool inQuestion = encoding.Offsets[i] is { } span && span.Touches(questionSpan);
            (inQuestion ? questionPositions : template).Add(ids.Count);
            ids.Add(id);
        }
        return new PromptLayout(ids.ToArray(), image.ToArray(), questionPositions.ToArray(), template.ToArray(), text);
    }

    /// <summary>
    /// A placeholder whose expansion is text (Idefics3's markers around runs of image tokens): the one placeholder in
    /// the prefix is replaced by <paramref name="expansion"/> and the whole prompt tokenized, as the Hugging Face
    /// processor does; every image id is then an image position, and there must be exactly the expected number.
    /// </summary>
    private static PromptLayout BuildExpanded(TextTokenizer tokenizer, string prefix, string question, string suffix,
        string imagePlaceholder, long imageTokenId, int imageTokenCount, string expansion)
    {
        int at = prefix.IndexOf(imagePlaceholder, StringComparison.Ordinal);
        if (at < 0 || prefix.IndexOf(imagePlaceholder, at + 1, StringComparison.Ordinal) >= 0)
            throw new InvalidOperationException($"The prompt prefix must hold \"{imagePlaceholder}\" exactly once: {prefix}");
        string expandedPrefix = prefix[..at] + expansion + prefix[(at + imagePlaceholder.Length)..];
        string expanded = expandedPrefix + question + suffix;
        var questionSpan = new CharSpan(expandedPrefix.Length, expandedPrefix.Length + question.Length);
        TextEncoding encoding = tokenizer.EncodeWithOffsets(expanded);
        var image = new List<int>(imageTokenCount);
        var questionPositions = new List<int>();
        var template = new List<int>();
        for (int i = 0; i < encoding.Ids.Length; i++)
        {
            if (encoding.Ids[i] == imageTokenId) image.Add(i);
            else if (encoding.Offsets[i] is { } span && span.Touches(questionSpan)) questionPositions.Add(i);
            else template.Add(i);
        }
        if (image.Count != imageTokenCount)
            throw new InvalidOperationException(
                $"The expanded prompt holds {image.Count} \"{imagePlaceholder}\" tokens instead of {imageTokenCount}: {expanded}");
        return new PromptLayout(encoding.Ids.ToArray(), image.ToArray(), questionPositions.ToArray(), template.ToArray(), prefix + question + suffix);
    }
}
