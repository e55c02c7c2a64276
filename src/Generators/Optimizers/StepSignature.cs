using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Optimizers;

/// <summary>A step parameter as declared: name, role (Hyper until the whole optimizer shows it is element state), ref-ness, C# type.</summary>
internal sealed record DeclaredParameter(string Name, Role Role, bool IsRef, SpecialType Type, IParameterSymbol Symbol);

/// <summary>Reads a [Step] method's parameters into roles, or says why the step is not supported.</summary>
internal static class StepSignature
{
    private const string PerTensorAttribute = "Gen.PerTensorAttribute";
    private const string OptionAttribute = "Gen.OptionAttribute";
    private const string TensorType = "TorchSharp.torch.Tensor";

    /// <summary>Reads an elementwise [Step] (<paramref name="tensorStep"/> false) or a whole-tensor [TensorStep].</summary>
    public static (List<DeclaredParameter> Parameters, string? Problem) Read(IMethodSymbol step, bool tensorStep)
    {
        if (!step.IsStatic) return ([], "is not static");
        if (!step.ReturnsVoid) return ([], "must return void");
        var parameters = new List<DeclaredParameter>();
        foreach (var p in step.Parameters)
        {
            bool isRef = p.RefKind == RefKind.Ref;
            if (p.RefKind is RefKind.Out or RefKind.In or RefKind.RefReadOnlyParameter) return ([], $"takes '{p.Name}' as {p.RefKind}; use a value or ref");
            var type = p.Type.SpecialType;
            if (Symbols.Attribute(p, OptionAttribute) is not null)
            {
                if (type is not (SpecialType.System_Boolean or SpecialType.System_Int32 or SpecialType.System_Single) || isRef)
                    return ([], $"has option '{p.Name}' of type {p.Type}; options are bool, int or float values");
                parameters.Add(new DeclaredParameter(p.Name, Role.Option, false, type, p));
            }
            else if (Symbols.Attribute(p, PerTensorAttribute) is not null)
            {
                if (type is not (SpecialType.System_Int32 or SpecialType.System_Double)) return ([], $"has per-tensor state '{p.Name}' of type {p.Type}; per-tensor state is int or double");
                parameters.Add(new DeclaredParameter(p.Name, Role.PerTensor, isRef, type, p));
            }
            else if (tensorStep)
            {
                // Recorded as float so that names shared with elementwise steps (p, gradAvg, lr) bind alike.
                if (Symbols.Is(p.Type, TensorType) && !isRef)
                    parameters.Add(new DeclaredParameter(p.Name, p.Name switch { "p" => Role.Param, "grad" => Role.Grad, _ => Role.Element }, true, SpecialType.System_Single, p));
                else if (type == SpecialType.System_Double && !isRef)
                    parameters.Add(new DeclaredParameter(p.Name, Role.Hyper, false, SpecialType.System_Single, p));
                else
                    return ([], $"has parameter '{p.Name}' of type {p.Type}; a tensor step takes Tensors (p, grad, state) and double hypers");
            }
            else if (type != SpecialType.System_Single)
                return ([], $"has parameter '{p.Name}' of type {p.Type}; elements and hypers are float (the kernel is generated for float and double)");
            else
                parameters.Add(new DeclaredParameter(p.Name, p.Name switch { "p" => Role.Param, "grad" => Role.Grad, _ => isRef ? Role.Element : Role.Hyper }, isRef, type, p));
        }
        return (parameters, null);
    }
}
