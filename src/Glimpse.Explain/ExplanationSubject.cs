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

    public int AnswerLength => AnswerIds.Length;

    /// <summary>From a prepared prompt and its generated answer.</summary>
    public static ExplanationSubject From(VisionLanguageModel model, PreparedPrompt prompt, Answer answer, Tensor? imageFeatures = null) =>
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
        if (VisualPositions.Length != ImageTokens.TokenCount)
            throw new ArgumentException($"{VisualPositions.Length} image positions for a layout of {ImageTokens.TokenCount} image tokens.");
        if (VisualPositions.Concat(PromptPositions).Any(p => p < 0 || p >= n))
            throw new ArgumentException("An image or question position lies outside the sequence.");
    }
}
