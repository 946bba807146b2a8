using Glimpse.Model.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Evaluation;

/// <summary>
/// How likely a fixed answer is given an image: exp(mean_t log p(y_t | image, y_&lt;t)), the length-normalised
/// likelihood (the geometric mean of the answer tokens' probabilities), teacher-forced. Several images are scored in one
/// forward: the vision tower takes them as a batch (<see cref="VisionLanguageModel.EncodeImages"/>) and the decoder runs
/// B sequences that differ only in their image features. No autograd, the fused attention kernel, and logits only at the
/// answer's query positions q_t, so a batch costs about B plain forwards.
/// </summary>
public sealed class AnswerLikelihood
{
    private readonly VisionLanguageModel _model;
    private readonly long[] _sequence;
    private readonly long[] _queryPositions;
    private readonly long[] _answerIds;

    /// <param name="sequence">prompt + answer ids, the answer at positions q_t + 1</param>
    /// <param name="queryPositions">q_t: the position whose output distribution gives y_t</param>
    /// <param name="answerIds">y_t (with an end-of-sequence token when the answer has one: it is part of what was said)</param>
    public AnswerLikelihood(VisionLanguageModel model, long[] sequence, long[] queryPositions, long[] answerIds)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (answerIds.Length == 0 || answerIds.Length != queryPositions.Length)
            throw new ArgumentException($"{queryPositions.Length} query positions for {answerIds.Length} answer tokens; need the same, non-zero number");
        for (int t = 0; t < answerIds.Length; t++)
            if (queryPositions[t] < 0 || queryPositions[t] + 1 >= sequence.Length || sequence[queryPositions[t] + 1] != answerIds[t])
                throw new ArgumentException($"answer token {t} is not at position q_t + 1 of the sequence");
        (_model, _sequence, _queryPositions, _answerIds) = (model, sequence, queryPositions, answerIds);
    }

    /// <summary>The score of each image, in order; the images must share a size (and, for Qwen2-VL, a patch grid).</summary>
    public double[] Score(IReadOnlyList<ImageInput> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) return [];
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = _model.EncodeImages(images);                                                // [B, K, D]
        long batch = features.shape[0];
        var embeddings = torch.cat(Enumerable.Range(0, (int)batch).Select(b => _model.Embed(_sequence, features[b])).ToArray(), 0); // [B, N, D]
        var positions = _model.PositionIds(_sequence, images[0]).Positions.expand(-1, batch, -1);  // [axes, B, N]
        var hidden = _model.LanguageModel.Forward(embeddings, positions, additions: _model.ImageAdditions(_sequence, features));
        var logits = _model.Logits(hidden.index_select(1, torch.tensor(_queryPositions, device: hidden.device)));   // [B, T, vocab]
        var targets = torch.tensor(_answerIds, device: logits.device).view(1, -1, 1).expand(batch, -1, 1);
        var logProbabilities = logits.to(float64).log_softmax(-1).gather(2, targets).squeeze(2);  // [B, T]
        return logProbabilities.mean([1]).exp().cpu().data<double>().ToArray();
    }
}
