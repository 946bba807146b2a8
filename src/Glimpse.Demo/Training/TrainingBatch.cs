using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>
/// Examples stacked into tensors: pixels [B, 3, H, W], token ids [B, N] (padded on the right) and labels [B, N], where
/// label i is the token that position i must predict when that token belongs to an answer (answer words and EOS) and
/// <see cref="Ignored"/> elsewhere, so the loss is on the answers alone. Padding on the right needs no attention mask:
/// in a causal decoder no real position attends to a later one.
/// </summary>
public sealed class TrainingBatch : IDisposable
{
    public const long Ignored = -100;

    public Tensor Pixels { get; }
    public Tensor Ids { get; }
    public Tensor Labels { get; }
    /// <summary>[B, K] auxiliary targets per image patch.</summary>
    public Tensor PatchShapes { get; }
    public Tensor PatchColors { get; }
    public IReadOnlyList<EncodedExample> Examples { get; }

    private TrainingBatch(Tensor pixels, Tensor ids, Tensor labels, Tensor patchShapes, Tensor patchColors, IReadOnlyList<EncodedExample> examples) =>
        (Pixels, Ids, Labels, PatchShapes, PatchColors, Examples) = (pixels, ids, labels, patchShapes, patchColors, examples);

    public static TrainingBatch Stack(IReadOnlyList<EncodedExample> examples, long padId, int imageSize)
    {
        int b = examples.Count;
        int n = examples.Max(e => e.Ids.Length);
        var ids = new long[b * n];
        var labels = new long[b * n];
        Array.Fill(ids, padId);
        Array.Fill(labels, Ignored);
        var pixels = new float[b * 3 * imageSize * imageSize];
        for (int i = 0; i < b; i++)
        {
            examples[i].Ids.CopyTo(ids, i * n);
            examples[i].Labels.CopyTo(labels, i * n);
            examples[i].Pixels.CopyTo(pixels, i * examples[i].Pixels.Length);
        }
        int patches = examples[0].PatchShapes.Length;
        return new TrainingBatch(
            torch.tensor(pixels, [b, 3, imageSize, imageSize]),
            torch.tensor(ids, [b, n]),
            torch.tensor(labels, [b, n]),
            torch.tensor(examples.SelectMany(e => e.PatchShapes).ToArray(), [b, patches]),
            torch.tensor(examples.SelectMany(e => e.PatchColors).ToArray(), [b, patches]),
            examples);
    }

    public void Dispose()
    {
        Pixels.Dispose();
        Ids.Dispose();
        Labels.Dispose();
        PatchShapes.Dispose();
        PatchColors.Dispose();
    }
}
