//! `#[derive(Settings)]` and `#[derive(Choice)]`: a struct's fields are a
//! block's attributes and nested blocks, written once; the schema and the
//! decoding are generated from them (see `framework::settings`).

#![forbid(unsafe_code)]

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{
    Attribute, Data, DeriveInput, Expr, Fields, GenericArgument, Lit, PathArguments, Type,
    parse_macro_input,
};

/// Derives `framework::settings::Settings` for a struct with named fields.
///
/// Field attributes, `#[setting(...)]`: `name = "in"` (the attribute's
/// name, when it is not the field's), `default = <literal>` (the value,
/// as written in HCL, when null), `computed`, `sensitive`, `write_only`,
/// `block` (a nested block: `Option<S>` single, `Vec<S>` a list). Struct
/// attribute `#[settings(check = path)]`: a function
/// `fn(&Self, &AttributePath, &mut Diagnostics)` run on a wholly known
/// value for checks across fields.
#[proc_macro_derive(Settings, attributes(setting, settings))]
pub fn derive_settings(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match settings(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Derives `framework::settings::Choice` (and `Setting`, a string) for an
/// enum of unit variants. A variant's word is its name in snake case, or
/// `#[choice(name = "...")]`; its doc comment says what it means. On the
/// enum, `#[choice(what = "...")]` names it in diagnostics.
#[proc_macro_derive(Choice, attributes(choice))]
pub fn derive_choice(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match choice(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// The doc comment, lines joined by spaces and paragraphs by a blank line.
fn doc(attrs: &[Attribute]) -> String {
    let mut paragraphs: Vec<String> = vec![String::new()];
    for a in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(nv) = &a.meta else {
            continue;
        };
        let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) = &nv.value
        else {
            continue;
        };
        let line = s.value();
        let line = line.trim();
        match paragraphs.last_mut() {
            _ if line.is_empty() => paragraphs.push(String::new()),
            Some(p) if p.is_empty() => p.push_str(line),
            Some(p) => {
                p.push(' ');
                p.push_str(line);
            }
            None => paragraphs.push(line.to_owned()),
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    paragraphs.join("\n\n")
}

/// What `#[setting(...)]` says of a field.
#[derive(Default)]
struct FieldOptions {
    name: Option<String>,
    default: Option<Lit>,
    computed: bool,
    sensitive: bool,
    write_only: bool,
    block: bool,
    flatten: bool,
    also: Option<syn::Path>,
}

fn field_options(attrs: &[Attribute]) -> syn::Result<FieldOptions> {
    let mut o = FieldOptions::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("setting")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("name") {
                let s: syn::LitStr = m.value()?.parse()?;
                o.name = Some(s.value());
            } else if m.path.is_ident("default") {
                o.default = Some(m.value()?.parse()?);
            } else if m.path.is_ident("computed") {
                o.computed = true;
            } else if m.path.is_ident("sensitive") {
                o.sensitive = true;
            } else if m.path.is_ident("write_only") {
                o.write_only = true;
            } else if m.path.is_ident("block") {
                o.block = true;
            } else if m.path.is_ident("flatten") {
                o.flatten = true;
            } else if m.path.is_ident("also") {
                o.also = Some(m.value()?.parse()?);
            } else {
                return Err(m.error("unknown setting option"));
            }
            Ok(())
        })?;
    }
    Ok(o)
}

/// `T` of `Outer<T>` when the type is `Outer<T>`.
fn inner_of<'a>(ty: &'a Type, outer: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// A literal as a Terraform value, and as it is shown in the docs.
fn default_value(lit: &Lit) -> syn::Result<(Tokens, String)> {
    Ok(match lit {
        Lit::Str(s) => {
            let v = s.value();
            (quote!(::framework::Value::string(#v)), format!("{v:?}"))
        }
        Lit::Int(i) => {
            let n: u64 = i.base10_parse()?;
            (
                quote!(::framework::Value::Number(::framework::Number::from(#n))),
                n.to_string(),
            )
        }
        Lit::Bool(b) => {
            let v = b.value;
            (quote!(::framework::Value::Bool(#v)), v.to_string())
        }
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "a default is a string, whole number or bool literal",
            ));
        }
    })
}

/// One field's part of the schema and of the decoding.
struct Generated {
    /// The attribute's or block's name as an associated constant, so code
    /// that reads a state by name spells it once.
    name: Option<Tokens>,
    /// Adds to `attributes` and `blocks`.
    schema: Tokens,
    decode: Tokens,
    build: Tokens,
}

fn field(f: &syn::Field) -> syn::Result<Generated> {
    let ident = f
        .ident
        .as_ref()
        .ok_or_else(|| syn::Error::new_spanned(f, "fields must be named"))?;
    let o = field_options(&f.attrs)?;
    let name = o
        .name
        .clone()
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
    let mut description = doc(&f.attrs);
    let ty = &f.ty;
    if o.block {
        return block_field(ident, &name, &description, ty);
    }
    if o.flatten {
        // Another block's fields, in this block's object.
        return Ok(Generated {
            name: None,
            schema: quote! {
                let inner = <#ty as ::framework::settings::Settings>::block(None);
                attributes.extend(inner.attributes);
                blocks.extend(inner.blocks);
            },
            decode: quote!(let #ident = dec.flatten::<#ty>();),
            build: quote!(#ident: #ident?),
        });
    }
    let (constructor, value_ty, decode, build) = presence(ident, &name, ty, &o, &mut description)?;
    // Text shared by several attributes, written once in a constant.
    let described = match &o.also {
        Some(also) => quote!(&format!("{} {}", #description, #also)),
        None => quote!(#description),
    };
    let sensitive = o.sensitive.then(|| quote!(.sensitive()));
    let write_only = o.write_only.then(|| quote!(.write_only()));
    let constant = syn::Ident::new(&name.to_uppercase(), ident.span());
    Ok(Generated {
        name: Some(quote!(pub(crate) const #constant: &'static str = #name;)),
        schema: quote! {
            attributes.push(
                ::framework::Attribute::#constructor(
                    #name,
                    <#value_ty as ::framework::settings::Setting>::ty(),
                )
                .describe(#described)
                #sensitive
                #write_only
            );
        },
        decode: quote!(let #ident = #decode;),
        build: quote!(#ident: #build),
    })
}

/// How an attribute is present (its schema constructor), the type its
/// value decodes to, how it is decoded, and how the struct gets it.
fn presence<'t>(
    ident: &syn::Ident,
    name: &str,
    ty: &'t Type,
    o: &FieldOptions,
    description: &mut String,
) -> syn::Result<(Tokens, &'t Type, Tokens, Tokens)> {
    let optional = inner_of(ty, "Option");
    Ok(if o.computed {
        let t = optional
            .ok_or_else(|| syn::Error::new_spanned(ty, "a computed field is an Option<T>"))?;
        (
            quote!(computed),
            t,
            quote!(dec.computed::<#t>()),
            quote!(#ident),
        )
    } else if let Some(t) = optional {
        (
            quote!(optional),
            t,
            quote!(dec.attribute::<#t>(#name, false)),
            quote!(#ident),
        )
    } else if let Some(lit) = &o.default {
        let (value, shown) = default_value(lit)?;
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(&format!("Defaults to `{shown}`."));
        (
            quote!(optional),
            ty,
            quote!(dec.attribute_or::<#ty>(#name, #value)),
            quote!(#ident?),
        )
    } else {
        (
            quote!(required),
            ty,
            quote!(dec.attribute::<#ty>(#name, true)),
            quote!(#ident?),
        )
    })
}

fn block_field(
    ident: &syn::Ident,
    name: &str,
    description: &str,
    ty: &Type,
) -> syn::Result<Generated> {
    let described = if description.is_empty() {
        quote!(None)
    } else {
        quote!(Some(#description))
    };
    let (nesting, inner, decode) = if let Some(t) = inner_of(ty, "Option") {
        (quote!(single), t, quote!(dec.block::<#t>(#name)))
    } else if let Some(t) = inner_of(ty, "Vec") {
        (quote!(list), t, quote!(dec.blocks::<#t>(#name)))
    } else {
        return Err(syn::Error::new_spanned(
            ty,
            "a block field is an Option<S> (single) or a Vec<S> (list)",
        ));
    };
    let constant = syn::Ident::new(&name.to_uppercase(), ident.span());
    Ok(Generated {
        name: Some(quote!(pub(crate) const #constant: &'static str = #name;)),
        schema: quote! {
            blocks.push(::framework::NestedBlock::#nesting(
                #name,
                <#inner as ::framework::settings::Settings>::block(#described),
            ));
        },
        decode: quote!(let #ident = #decode;),
        build: quote!(#ident: #ident),
    })
}

/// `#[settings(check = path)]` on the struct.
fn check_fn(attrs: &[Attribute]) -> syn::Result<Option<syn::Path>> {
    let mut check = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("settings")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("check") {
                check = Some(m.value()?.parse()?);
                Ok(())
            } else {
                Err(m.error("unknown settings option"))
            }
        })?;
    }
    Ok(check)
}

fn settings(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "Settings is derived for structs",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            input,
            "Settings needs named fields",
        ));
    };
    let generated = fields
        .named
        .iter()
        .map(field)
        .collect::<syn::Result<Vec<_>>>()?;
    let schema = generated.iter().map(|g| &g.schema);
    let names = generated.iter().filter_map(|g| g.name.as_ref());
    let decodes = generated.iter().map(|g| &g.decode);
    let builds = generated.iter().map(|g| &g.build);
    let name = &input.ident;
    let description = doc(&input.attrs);
    let checked = match check_fn(&input.attrs)? {
        None => quote!(out),
        Some(check) => quote! {
            match out {
                ::framework::settings::Decoded::Known(value) => {
                    let before = d.error_count();
                    #check(&value, at, d);
                    if d.error_count() > before {
                        ::framework::settings::Decoded::Invalid
                    } else {
                        ::framework::settings::Decoded::Known(value)
                    }
                }
                other => other,
            }
        },
    };
    Ok(quote! {
        // Not every name is read by name somewhere.
        #[allow(dead_code)]
        impl #name {
            #(#names)*
        }

        impl ::framework::settings::Settings for #name {
            fn block(description: Option<&str>) -> ::framework::Block {
                let mut attributes: Vec<::framework::Attribute> = Vec::new();
                let mut blocks: Vec<::framework::NestedBlock> = Vec::new();
                #(#schema)*
                ::framework::Block::new(description.unwrap_or(#description), attributes, blocks)
            }

            fn decode_block(
                v: &::framework::Value,
                at: &::framework::AttributePath,
                d: &mut ::framework::Diagnostics,
                unknowns: ::framework::settings::Unknowns,
            ) -> ::framework::settings::Decoded<Self> {
                let mut dec = ::framework::settings::Decoder::new(v, at, d, unknowns);
                #(#decodes)*
                let out = dec.finish(|| Some(#name { #(#builds),* }));
                #checked
            }
        }
    })
}

/// `CamelCase` as `camel_case`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn choice(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "Choice is derived for enums",
        ));
    };
    let name = &input.ident;
    let mut what = None;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("choice")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("what") {
                let s: syn::LitStr = m.value()?.parse()?;
                what = Some(s.value());
                Ok(())
            } else {
                Err(m.error("unknown choice option"))
            }
        })?;
    }
    let what = match what {
        Some(w) => quote!(Some(#w)),
        None => quote!(None),
    };
    let mut entries = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(v, "a choice is a unit variant"));
        }
        let mut word = snake(&v.ident.to_string());
        for a in v.attrs.iter().filter(|a| a.path().is_ident("choice")) {
            a.parse_nested_meta(|m| {
                if m.path.is_ident("name") {
                    let s: syn::LitStr = m.value()?.parse()?;
                    word = s.value();
                    Ok(())
                } else {
                    Err(m.error("unknown choice option"))
                }
            })?;
        }
        let ident = &v.ident;
        let what = doc(&v.attrs);
        entries.push(quote!((#word, #name::#ident, #what)));
    }
    Ok(quote! {
        impl ::framework::settings::Choice for #name {
            fn choices() -> &'static [(&'static str, Self, &'static str)] {
                &[#(#entries),*]
            }

            fn what() -> Option<&'static str> {
                #what
            }
        }

        impl ::framework::settings::Setting for #name {
            fn ty() -> ::framework::Type {
                ::framework::Type::String
            }

            fn decode(
                v: &::framework::Value,
                at: &::framework::AttributePath,
                d: &mut ::framework::Diagnostics,
            ) -> Option<Self> {
                ::framework::settings::decode_choice(v, at, d)
            }
        }
    })
}
