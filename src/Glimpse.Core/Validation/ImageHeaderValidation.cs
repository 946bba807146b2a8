using Glimpse.Core.Images;

namespace Glimpse.Core.Validation;

/// <summary>What <see cref="ImageHeaderValidator"/> found: the header's format and size, and every problem.</summary>
public sealed record ImageHeaderValidation(ImageInfo? Info, IReadOnlyList<string> Problems)
{
    public bool IsValid => Problems.Count == 0;
}
