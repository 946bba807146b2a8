using Glimpse.Core.Images;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using static TorchSharp.torch;

namespace Glimpse.Explain;

/// <summary>
/// What an explainer explains: a model, the teacher-forced sequence (prompt + answer), the image, and the position
/// sets — V (image tokens, in sequence order), P (the question's tokens), and for each answer token t its id y_t and the
/// position q_t whose output distribution produced it.
/// </summary>
public sealed class ExplanationSubject
{
    public required VisionLanguageModel Model { get; init; }
    public required long[] SequenceIds { get; init; }
    public ImageInput? Image { get; init; }
    /// <summary>Image features already computed (e.g. during generation), reused by every forward.</summary>
    public Tensor? ImageFeatures { get; init; }
    public required long[] VisualPositions { get; init; }
    public required long[] PromptPositions { get; init; }
    public required long[] QueryPositions { get; init; }
    public required long[] AnswerIds { get; init; }
    /// <summary>Where the image tokens V lie on the image; its TokenCount = |V|.</summary>
    public required ImageTokenLayout ImageTokens { get; init; }

    /// <summary>Each answer token's text, and whether it is a special token (end-of-sequence, …): what the content-token
    /// selection reads. Null when the subject was built without a tokenizer; that selection then refuses to run.</summary>
    public IReadOnlyList<(string Text, bool Special)>? AnswerTokens { get; init; }

    public int AnswerLength => AnswerIds.Length;

    /// <summary>From a runtime's prepared prompt and answer, with the answer tokens' texts from its tokenizer.</summary>
    public static ExplanationSubject From(VisionLanguageRuntime runtime, PreparedPrompt prompt, Answer answer, Tensor? imageFeatures = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var tokenizer = runtime.Tokenizer;
        return From(runtime.Model, prompt, answer, imageFeatures,
            [.. answer.Generation.NewTokens.Select(id => (tokenizer.TokenText(id), tokenizer.IsSpecial(id) || runtime.EosTokenIds.Contains(id)))]);
    }

    /// <summary>The same sequence with only answer tokens <paramref name="indices"/> (ascending) to explain.</summary>
    public ExplanationSubject Select(int[] indices) => new()
    {
        Model = Model, SequenceIds = SequenceIds, Image = Image, ImageFeatures = ImageFeatures, VisualPositions = VisualPositions,
        PromptPositions = PromptPositions, ImageTokens = ImageTokens,
        QueryPositions = [.. indices.Select(t => QueryPositions[t])],
        AnswerIds = [.. indices.Select(t => AnswerIds[t])],
        AnswerTokens = AnswerTokens is { } tokens ? [.. indices.Select(t => tokens[t])] : null,
    };

    /// <summary>From a prepared prompt and its generated answer (with the answer tokens' texts when given).</summary>
    public static ExplanationSubject From(VisionLanguageModel model, PreparedPrompt prompt, Answer answer, Tensor? imageFeatures = null,
        IReadOnlyList<(string Text, bool Special)>? answerTokens = null) =>
        new()
        {
            Model = model,
            SequenceIds = answer.FullIds,
            Image = prompt.ModelInput,
            ImageFeatures = imageFeatures,
            VisualPositions = prompt.Layout.ImagePositions.Select(p => (long)p).ToArray(),
            PromptPositions = prompt.Layout.QuestionPositions.Select(p => (long)p).ToArray(),
            QueryPositions = answer.QueryPositions.Select(p => (long)p).ToArray(),
            AnswerIds = answer.Generation.NewTokens,
            ImageTokens = prompt.ImageTokens,
            AnswerTokens = answerTokens,
        };

    /// <summary>Checks the sets against each other and the sequence; a bad subject fails here, not in native code.</summary>
    public void Validate()
    {
        if (AnswerIds.Length == 0)
            throw new ArgumentException("The answer has zero tokens; there is nothing to explain.");
        if (QueryPositions.Length != AnswerIds.Length)
            throw new ArgumentException($"{QueryPositions.Length} query positions for {AnswerIds.Length} answer tokens.");
        long n = SequenceIds.Length;
        for (int t = 0; t < AnswerIds.Length; t++)
        {
            long q = QueryPositions[t];
            if (q < 0 || q + 1 >= n || SequenceIds[q + 1] != AnswerIds[t])
                throw new ArgumentException($"Answer token {t} (id {AnswerIds[t]}) is not at position q_t + 1 = {q + 1} of the sequence.");
        }
        if (AnswerTokens is { } texts && texts.Count != AnswerIds.Length)
            throw new ArgumentException($"{texts.Count} answer token texts for {AnswerIds.Length} answer tokens.");
        if (VisualPositions.Length != ImageTokens.TokenCount)
            throw new ArgumentException($"{VisualPositions.Length} image positions for a layout of {ImageTokens.TokenCount} image tokens.");
        if (VisualPositions.Concat(PromptPositions).Any(p => p < 0 || p >= n))
            throw new ArgumentException("An image or question position lies outside the sequence.");
    }
}
