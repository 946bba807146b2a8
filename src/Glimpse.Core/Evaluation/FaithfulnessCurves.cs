namespace Glimpse.Core.Evaluation;

/// <summary>How the deletion and insertion curves are taken.</summary>
public sealed record FaithfulnessOptions
{
    /// <summary>Points after the start: at step j the top k_j = round(j · K / Steps) of the K token cells are changed.</summary>
    public int Steps { get; init; } = 10;
    /// <summary>Perturbed images per forward.</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>The insertion start's Gaussian blur, σ in token cells (one cell: the detail inside a token is gone, the layout stays).</summary>
    public double BlurSigmaCells { get; init; } = 1.0;
    /// <summary>Seeds the random control ordering and the tie-breaking among equal map values.</summary>
    public int Seed { get; init; }

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "need at least one step");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "need at least one image per batch");
        if (!(BlurSigmaCells > 0) || double.IsInfinity(BlurSigmaCells))
            throw new ArgumentOutOfRangeException(nameof(BlurSigmaCells), BlurSigmaCells, "the blur needs a positive, finite σ");
    }
}

/// <summary>A perturbation curve: the answer's score after changing the top fraction of token cells.</summary>
/// <param name="Fractions">k_j / K for each step, from 0 to 1</param>
/// <param name="Scores">exp(mean_t log p(y_t | image_j, y_&lt;t)) at each step</param>
public sealed record PerturbationCurve(double[] Fractions, double[] Scores)
{
    /// <summary>The area under the curve over the fraction axis, by the trapezoid rule.</summary>
    public double Area
    {
        get
        {
            double area = 0;
            for (int j = 1; j < Fractions.Length; j++) area += (Fractions[j] - Fractions[j - 1]) * (Scores[j] + Scores[j - 1]) / 2;
            return area;
        }
    }
}

/// <summary>Deletion (lower area is better) and insertion (higher is better) for one ordering of the token cells.</summary>
public sealed record FaithfulnessCurves(PerturbationCurve Deletion, PerturbationCurve Insertion);
