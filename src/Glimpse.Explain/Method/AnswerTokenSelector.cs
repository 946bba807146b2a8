using System.Diagnostics;
using Glimpse.Core.Methods;
using Glimpse.Explain.Baselines;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain;

/// <summary>Which answer tokens GLIMPSE explains, with every token's probability (read from the same forward).</summary>
/// <param name="Indices">The explained tokens, ascending.</param>
/// <param name="Probabilities">p_t for every answer token, explained or not.</param>
/// <param name="Scores">The top-k score of every token (mean attention on the image); null for the other selections.</param>
public sealed record AnswerTokenChoice(int[] Indices, double[] Probabilities, double[]? Scores, double ForwardSeconds);

/// <summary>
/// Option <c>answer_tokens</c>: explain every answer token (the method), only the content tokens, or the top-k tokens
/// that look at the image most. Each explained token costs one backward pass, so a selection is also the cheapest speed-up
/// of the exact mode; tokens left out get zero weight in the response-level maps, and the result says which they were.
/// </summary>
public static class AnswerTokenSelector
{
    /// <summary>
    /// English function words: articles, copulas and auxiliaries, pronouns, prepositions, conjunctions and "there".
    /// Negations and answers ("no", "yes", "not") are content: they carry the answer.
    /// </summary>
    public static IReadOnlySet<string> FunctionWords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does", "did",
        "there", "here", "it", "its", "this", "that", "these", "those", "they", "them", "their", "he", "she", "his", "her", "i", "you", "we",
        "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "into", "onto", "and", "or", "but", "than", "then", "so",
        "which", "what", "who", "whose", "where", "when", "how",
    };

    /// <summary>A token is content when it is not special, holds a letter or digit, and is not a function word (after
    /// the tokenizer's word-start markers and case are stripped).</summary>
    public static bool IsContent(string text, bool special)
    {
        if (special) return false;
        string word = text.Trim().TrimStart('▁', 'Ġ', '#').Trim().ToLowerInvariant();
        return word.Any(char.IsLetterOrDigit) && !FunctionWords.Contains(word);
    }

    public static AnswerTokenChoice Choose(ExplanationSubject subject, GlimpseOptions options)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var pass = AttentionOnlyPass.Run(subject);
        double[] probabilities = AttentionOnlyPass.Probabilities(pass, subject);
        int tokens = subject.AnswerLength;
        double[]? scores = null;
        int[] indices;
        switch (options.AnswerTokens)
        {
            case AnswerTokenSelection.All:
                indices = [.. Enumerable.Range(0, tokens)];
                break;
            case AnswerTokenSelection.Content:
                var texts = subject.AnswerTokens
                            ?? throw new InvalidOperationException("answer_tokens content needs the answer tokens' texts (build the subject from a runtime).");
                indices = [.. Enumerable.Range(0, tokens).Where(t => IsContent(texts[t].Text, texts[t].Special))];
                break;
            case AnswerTokenSelection.TopK:
                scores = ImageAttention(pass, subject);
                indices = [.. Enumerable.Range(0, tokens).OrderByDescending(t => scores[t]).ThenBy(t => t).Take(options.TopK).Order()];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.AnswerTokens, null);
        }
        return new AnswerTokenChoice(indices, probabilities, scores, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Per answer token, the attention its query row q_t puts on the image tokens V, averaged over layers and heads.</summary>
    private static double[] ImageAttention(TeacherForcedPass pass, ExplanationSubject subject)
    {
        var q = torch.tensor(subject.QueryPositions);
        var v = torch.tensor(subject.VisualPositions);
        var total = torch.zeros(subject.AnswerLength, dtype: float64);
        foreach (var attention in pass.Attentions)                                                       // A_l [1, H, N, N]
            total += attention[0].index_select(1, q).index_select(2, v).sum(2).mean([0]).to(float64);   // [T]
        return (total / pass.Attentions.Count).data<double>().ToArray();
    }
}
