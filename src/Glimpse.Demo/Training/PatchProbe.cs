using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Scenes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>
/// The auxiliary loss of training: each projected image token must name the shape and the colour of the object in its
/// patch (<see cref="PatchLabels"/>), scored by its cosine similarity to the decoder's own embeddings of the words
/// ("triangle", "green"), with a learnt vector for "no object". Two reasons. A vision tower trained from scratch
/// otherwise spends thousands of steps before its tokens tell objects apart, because the answer loss reaches it only
/// once the decoder attends to the right tokens; and with image tokens lying near the embeddings of their words, the
/// decoder finds "the triangle" by matching the word it read against the tokens, one rule for every word, as LLaVA's
/// first stage aligns image features with the language model's embeddings. The probe is dropped after training; the
/// saved model is plain LLaVA. It names no token an answer should use, so it does not steer the explanations.
/// </summary>
public sealed class PatchProbe : nn.Module
{
    /// <summary>
    /// Weight of the "no object" class. Most patches are empty; at full weight the read-outs learn "empty" first and
    /// shapes only after thousands of steps, at a twentieth they learn shapes within a few hundred.
    /// </summary>
    public const float EmptyPatchWeight = 0.05f;

    private readonly Parameter _embeddings;
    private readonly long[] _shapeWords, _colorWords;
    private readonly Parameter _emptyShape, _emptyColor, _temperature;
    /// <summary>
    /// Reads each token's patch column and row back, linearly. Relation questions ask for the one object on a side of
    /// another, which attention finds at once when a token's position is a direction in its features: the query then
    /// scores "further left" with a dot product. The vision tower's learnt position embeddings carry position, but the
    /// answer loss alone takes thousands of steps to make it linear.
    /// </summary>
    private readonly Linear _position;

    public PatchProbe(Parameter wordEmbeddings, Func<string, long> tokenId) : base(nameof(PatchProbe))
    {
        _embeddings = wordEmbeddings;
        _shapeWords = ShapeNames.All.Select(s => tokenId(s.Name())).ToArray();
        _colorWords = ObjectColors.All.Select(c => tokenId(c.Name())).ToArray();
        long width = wordEmbeddings.shape[1];
        _emptyShape = new Parameter(torch.randn(width) * 0.02);
        _emptyColor = new Parameter(torch.randn(width) * 0.02);
        _temperature = new Parameter(torch.tensor(10f));
        register_parameter("empty_shape", _emptyShape);
        register_parameter("empty_color", _emptyColor);
        register_parameter("temperature", _temperature);
        _position = nn.Linear(width, 2);
        register_module("position", _position);
    }

    /// <param name="features">[B, K, D]</param>
    /// <returns>the weighted mean of the shape and colour cross-entropies over the patches, empty patches down-weighted</returns>
    public Tensor Loss(Tensor features, Tensor shapes, Tensor colors)
    {
        using var scope = NewDisposeScope();
        var flat = nn.functional.normalize(features.reshape(-1, features.shape[^1]), dim: -1);
        var shapeLoss = nn.functional.cross_entropy(Logits(flat, _shapeWords, _emptyShape), shapes.view(-1), weight: ClassWeights(_shapeWords.Length + 1, features.device));
        var colorLoss = nn.functional.cross_entropy(Logits(flat, _colorWords, _emptyColor), colors.view(-1), weight: ClassWeights(_colorWords.Length + 1, features.device));
        // Shape counts double: colour dominates the pixels and is learnt at once, shape is what tokens tell apart last.
        return ((2 * shapeLoss + colorLoss) / 3 + PositionLoss(features)).MoveToOuterDisposeScope();
    }

    /// <summary>Mean squared error of the read-out (column, row), both scaled to [−1, 1], over every patch of the square grid.</summary>
    private Tensor PositionLoss(Tensor features)
    {
        long patches = features.shape[1], side = (long)Math.Round(Math.Sqrt(patches));
        var index = torch.arange(patches, device: features.device);
        var target = torch.stack([index % side, index / side], -1).to(features.dtype) * (2.0 / Math.Max(1, side - 1)) - 1;   // [K, 2]
        return nn.functional.mse_loss(_position.forward(features), target.unsqueeze(0).expand(features.shape[0], -1, -1));
    }

    /// <summary>Of the patches that hold an object, the fractions whose shape and whose colour the probe names right.</summary>
    public (double Shape, double Color) Accuracy(Tensor features, Tensor shapes, Tensor colors)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var flat = nn.functional.normalize(features.reshape(-1, features.shape[^1]), dim: -1);
        var objects = shapes.view(-1) != _shapeWords.Length;
        double Fraction(Tensor logits, Tensor targets) =>
            (logits.argmax(-1) == targets.view(-1)).logical_and(objects).sum().item<long>() / Math.Max(1.0, objects.sum().item<long>());
        return (Fraction(Logits(flat, _shapeWords, _emptyShape), shapes), Fraction(Logits(flat, _colorWords, _emptyColor), colors));
    }

    /// <summary>Temperature × cosine similarity to each word's embedding, then to the "no object" vector.</summary>
    private Tensor Logits(Tensor unitFeatures, long[] words, Tensor empty)
    {
        var classes = torch.cat([_embeddings[torch.tensor(words, device: unitFeatures.device)], empty.unsqueeze(0)], 0);
        return unitFeatures.matmul(nn.functional.normalize(classes, dim: -1).t()) * _temperature;
    }

    /// <summary>1 for every object class, <see cref="EmptyPatchWeight"/> for the last ("no object").</summary>
    private static Tensor ClassWeights(int classes, Device device)
    {
        var weights = Enumerable.Repeat(1f, classes).ToArray();
        weights[^1] = EmptyPatchWeight;
        return torch.tensor(weights, device: device);
    }
}
